"""ORM models, one module per aggregate; importing this package registers them all."""

from assistant.models.apikey import ApiKey
from assistant.models.audit import AuditEntry
from assistant.models.base import Base
from assistant.models.campaign import Campaign, CampaignMember, Draft, DraftState
from assistant.models.catalog import Product
from assistant.models.customer import ConsentEvent, Customer, Event, Suppression
from assistant.models.example import DraftExample
from assistant.models.inbound import UnmatchedInbound
from assistant.models.ingest import IngestRequest
from assistant.models.messaging import Conversation, Message
from assistant.models.metrics import (
    CustomerCLV,
    CustomerMetrics,
    CustomerOrderStats,
    CustomerScores,
    MetricsPendingCustomer,
    MetricsState,
    ProductRepeat,
)
from assistant.models.order import Order, OrderItem, Return
from assistant.models.shopify import ShopifyConnection, ShopifySyncState, ShopifyWebhook
from assistant.models.trigger import TriggerOccasion, TriggerRun
from assistant.models.variant import VariantPromotion

__all__ = [
    "ApiKey",
    "AuditEntry",
    "Base",
    "Campaign",
    "CampaignMember",
    "ConsentEvent",
    "Conversation",
    "Customer",
    "CustomerCLV",
    "CustomerMetrics",
    "CustomerOrderStats",
    "CustomerScores",
    "Draft",
    "DraftExample",
    "DraftState",
    "Event",
    "IngestRequest",
    "Message",
    "MetricsPendingCustomer",
    "MetricsState",
    "Order",
    "OrderItem",
    "Product",
    "ProductRepeat",
    "Return",
    "ShopifyConnection",
    "ShopifySyncState",
    "ShopifyWebhook",
    "Suppression",
    "TriggerOccasion",
    "TriggerRun",
    "UnmatchedInbound",
    "VariantPromotion",
]
