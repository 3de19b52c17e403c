"""The Admin GraphQL documents the connector sends (API version: SHOPIFY_API_VERSION).

Page sizes keep each query's calculated cost under Shopify's 1,000-point limit: an order
page asks for 10 orders of up to 50 line items each. Refund lines are fetched separately,
by refund id (`REFUNDS`), for the orders that have refunds, so paginated and bulk runs
share one path (a bulk query may not nest a connection inside a list such as `refunds`).
"""

from __future__ import annotations

PAGE_SIZES = {"products": 100, "customers": 100, "orders": 10}
REFUND_BATCH = 10
LINE_ITEMS_PER_ORDER = 50
REFUND_LINES_PER_REFUND = 50
# The metafield namespace products' relaunch facts are read from (docs/shopify.md).
METAFIELD_NAMESPACE = "assistant"

SHOP = "query Shop { shop { name myshopifyDomain } }"

PRODUCT_FIELDS = f"""
    id
    title
    productType
    tags
    updatedAt
    priceRangeV2 {{ minVariantPrice {{ amount currencyCode }} }}
    shortName: metafield(namespace: "{METAFIELD_NAMESPACE}", key: "short_name") {{ value }}
    relaunchedAt: metafield(namespace: "{METAFIELD_NAMESPACE}", key: "relaunched_at") {{ value }}
    improvementNote: metafield(namespace: "{METAFIELD_NAMESPACE}", key: "improvement_note") {{
      value
    }}
    upgradeProduct: metafield(namespace: "{METAFIELD_NAMESPACE}", key: "upgrade_product_id") {{
      value
    }}
"""

CUSTOMER_FIELDS = """
    id
    firstName
    lastName
    email
    phone
    createdAt
    updatedAt
    emailMarketingConsent { marketingState consentUpdatedAt }
    smsMarketingConsent { marketingState consentUpdatedAt }
"""

ORDER_FIELDS = f"""
    id
    processedAt
    createdAt
    updatedAt
    cancelledAt
    displayFinancialStatus
    displayFulfillmentStatus
    totalPriceSet {{ shopMoney {{ amount currencyCode }} }}
    customer {{ {CUSTOMER_FIELDS} }}
    refunds {{ id }}
"""

LINE_ITEM_FIELDS = """
    quantity
    title
    product { id }
    originalUnitPriceSet { shopMoney { amount } }
"""

PAGES = {
    "products": f"""
query Products($first: Int!, $after: String, $query: String) {{
  products(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    nodes {{ {PRODUCT_FIELDS} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}""",
    "customers": f"""
query Customers($first: Int!, $after: String, $query: String) {{
  customers(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    nodes {{ {CUSTOMER_FIELDS} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}""",
    "orders": f"""
query Orders($first: Int!, $after: String, $query: String) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    nodes {{
      {ORDER_FIELDS}
      lineItems(first: {LINE_ITEMS_PER_ORDER}) {{ nodes {{ {LINE_ITEM_FIELDS} }} }}
    }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}""",
}

COUNTS = {
    resource: f"query {resource.title()}Count($query: String) "
    f"{{ {resource}Count(query: $query) {{ count }} }}"
    for resource in PAGES
}

# Bulk queries: the same fields, whole connections (nested ones come back as JSONL lines of
# their own, each naming its parent in `__parentId`).
BULK = {
    "products": f"{{ products{{filter}} {{ edges {{ node {{ {PRODUCT_FIELDS} }} }} }} }}",
    "customers": f"{{ customers{{filter}} {{ edges {{ node {{ {CUSTOMER_FIELDS} }} }} }} }}",
    "orders": f"""{{ orders{{filter}} {{ edges {{ node {{
      {ORDER_FIELDS}
      lineItems {{ edges {{ node {{ __typename {LINE_ITEM_FIELDS} }} }} }}
    }} }} }} }}""",
}

BULK_RUN = """
mutation BulkRun($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status }
    userErrors { field message }
  }
}"""

BULK_STATUS = """
query BulkStatus($id: ID!) {
  node(id: $id) {
    ... on BulkOperation { id status errorCode objectCount url partialDataUrl }
  }
}"""

REFUNDS = f"""
query Refunds($ids: [ID!]!) {{
  nodes(ids: $ids) {{
    ... on Refund {{
      id
      createdAt
      note
      order {{ id }}
      refundLineItems(first: {REFUND_LINES_PER_REFUND}) {{
        nodes {{ quantity lineItem {{ product {{ id }} }} }}
      }}
    }}
  }}
}}"""

WEBHOOKS = """
query Webhooks($after: String) {
  webhookSubscriptions(first: 100, after: $after) {
    nodes { id topic uri }
    pageInfo { hasNextPage endCursor }
  }
}"""

WEBHOOK_CREATE = """
mutation WebhookCreate(
  $topic: WebhookSubscriptionTopic!
  $subscription: WebhookSubscriptionInput!
) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $subscription) {
    webhookSubscription { id topic uri }
    userErrors { field message }
  }
}"""


def bulk_query(resource: str, search: str | None) -> str:
    """The bulk query of `resource`, filtered by a search string when given."""
    filter_ = f'(query: "{search}")' if search else ""
    return BULK[resource].replace("{filter}", filter_)
