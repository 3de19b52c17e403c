"""The built-in segments, written as the same YAML documents a user file holds.

Kept in Python (not package data) so they ship with the code whatever the install method.
Thresholds are params: override them per call (`--param min_spend=10000`) or replace a
built-in by a user file of the same name.
"""

from __future__ import annotations

VIP = """
name: vip
description: >-
  Best customers: recency, frequency and spend scores all high, and in the top tiers of
  predicted 12-month value (CLV) and average order value.
params:
  min_rfm_score: 4
  clv_top_percent: 20
  aov_top_percent: 20
where:
  all:
    - {metric: r_score, gte: $min_rfm_score}
    - {metric: f_score, gte: $min_rfm_score}
    - {metric: m_score, gte: $min_rfm_score}
    - {metric: clv_12m, top_percent: $clv_top_percent}
    - {metric: aov, top_percent: $aov_top_percent}
"""

MILESTONE = """
name: milestone
description: >-
  Reached a milestone in the last {within_days} days: lifetime spend of ${min_spend},
  {min_orders} orders, or {min_years} years as a customer (not already reached before,
  so recognition is timely and happens once).
params:
  min_spend: 5000
  min_orders: 10
  min_years: 2
  within_days: 30
where:
  any:
    - milestone: {lifetime_spend: $min_spend, within_days: $within_days}
    - milestone: {orders: $min_orders, within_days: $within_days}
    - milestone: {tenure_years: $min_years, within_days: $within_days}
"""

RECENT_BUYERS = """
name: recent_buyers_{days}d
description: Bought in the last {days} days (local days, as-of day included), for a check-in.
params:
  days: {days}
where:
  orders: {{within_days: $days}}
"""

PRODUCT_FANS = """
name: product_fans
description: >-
  Bought the same product on {min_purchases} separate days within {within_days} days, and that
  product has an upgrade to suggest.
params:
  min_purchases: 3
  within_days: 90
where:
  product_repeat:
    min_purchases: $min_purchases
    within_days: $within_days
    with_upgrade: true
"""

RETURNED_RELAUNCHED = """
name: returned_relaunched
description: >-
  Returned a product for fit, quality or sizing, and the product was relaunched (improved)
  after the return, by the as-of day.
params:
  reasons: [fit, quality, sizing]
  return_within_days: null
where:
  returned:
    reasons: $reasons
    within_days: $return_within_days
    relaunched_after: true
"""

LAPSED_HIGH_VALUE = """
name: lapsed_high_value
description: >-
  High historical value (spend score {min_m_score} or more) but no purchase in the last
  {days} days.
params:
  min_m_score: 4
  days: 90
where:
  all:
    - {metric: m_score, gte: $min_m_score}
    - not:
        orders: {within_days: $days}
"""

BUILTIN_DOCUMENTS: tuple[str, ...] = (
    VIP,
    MILESTONE,
    *(RECENT_BUYERS.format(days=days) for days in (7, 14, 30)),
    PRODUCT_FANS,
    RETURNED_RELAUNCHED,
    LAPSED_HIGH_VALUE,
)
