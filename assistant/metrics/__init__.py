"""Per-customer metrics: aggregates, RFM, BTYD summary and predicted CLV."""
