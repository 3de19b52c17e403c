"""Predicted customer lifetime value (``clv_12m``) from BG/NBD purchases and Gamma-Gamma spend.

Method
------
`fit` estimates, by maximum likelihood on the store's own BTYD summary (time in days):

- a BG/NBD model of repeat purchases (r, alpha, a, b; see `assistant.metrics.btyd`);
- a Gamma-Gamma model of spend per repeat purchase (p, q, v), on customers with x > 0 and
  monetary > 0.

`predict_clv` then values each customer's expected *future repeat purchases* over the horizon::

    CLV = sum_{m=1..months} (E[X(t_m)] - E[X(t_{m-1})]) * E[spend] / (1 + monthly_discount)^m

where E[X(t)] is the conditional expected number of purchases in the next t days given the
customer's (frequency, recency, T), t_m = m * MONTH_DAYS (30.4375 days, an average Gregorian
month), and E[spend] is the Gamma-Gamma conditional mean spend per purchase. Defaults: 12
months at 1 % a month. The value is in the currency of ``monetary``.

`CLVModel.notes` records the fitted parameters in words (with the implied mean purchase rate
per year, dropout probability and mean spend), and flags parameters that ran to the edge of
the search range: a limiting case such as "every customer has the same dropout probability",
which still predicts correctly.

Fallbacks (each recorded in `CLVModel.notes`; nothing here raises on degenerate data):

- **Purchases not fitted** (fewer than MIN_CUSTOMERS = 50 customers, fewer than
  MIN_REPEAT_CUSTOMERS = 10 with a repeat purchase, optimiser failure, or a non-finite
  log-likelihood or prediction): each customer's daily
  purchase rate is the Gamma-Poisson posterior mean ``(x + rho * TAU) / (T + TAU)``, where rho
  is the store's pooled repeat rate sum(x) / sum(T) and TAU = FALLBACK_PRIOR_DAYS (365): a
  customer with little history gets about the store average, one with a long history about
  their own rate. It ignores dropout, so it is optimistic for lapsed customers. Purchases in
  each month are rate * MONTH_DAYS, discounted the same way.
- **Spend not fitted** (fewer than 10 repeat customers with spend, no
  variation in spend, optimiser failure, non-finite result, or q <= 1 so that the population
  mean p v / (q - 1) is infinite): repeat customers get their own observed mean spend.
- **Customers without spend history** (frequency 0 or monetary 0): the population mean spend,
  i.e. ``population_mean_spend`` when the caller passes one, else the Gamma-Gamma prior mean
  p v / (q - 1), else the observed transaction-weighted mean of repeat spend at fit time (0 when
  no repeat customer has spend; the caller may pass the store's AOV instead).
- A customer whose model prediction is not finite (not seen in testing) gets the fallback rate.

Results are always finite and >= 0. Bad input (unequal lengths, negative or non-finite
values, non-integer frequency, recency > T, recency > 0 with frequency 0) raises ValueError
naming the field and the first offending index.

Validation (tests/metrics/test_clv.py): on 20,000 customers simulated from known parameters
over 1-24 months of history, the fits recover them (r, alpha within 15 %; a, b and the
Gamma-Gamma parameters within 25 %; mean spend within 5 %); in a calibration/holdout check,
the predicted purchases in the following six months match the simulated ones within 10 %
overall and 15 % per frequency group, and undiscounted 6-month CLV matches holdout revenue
within 10 %. The closed forms reproduce the published CDNOW values of Fader, Hardie & Lee.
Fitting 1,000,000 customers takes about 2-2.5 s and predicting about 0.25 s (2-core machine).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from assistant.metrics.btyd import (
    BGNBDParams,
    FitError,
    FloatArray,
    GammaGammaParams,
    _group_rows,
    _growth,
    _p_alive,
    bgnbd_log_likelihood,
    expected_purchases,
    expected_spend,
    fit_bgnbd,
    fit_gamma_gamma,
    probability_alive,
    validate_summary,
)
from assistant.metrics.btyd import population_mean_spend as prior_mean_spend

__all__ = [
    "FALLBACK_PRIOR_DAYS",
    "MIN_CUSTOMERS",
    "MIN_REPEAT_CUSTOMERS",
    "MONTH_DAYS",
    "BGNBDParams",
    "CLVModel",
    "FitError",
    "GammaGammaParams",
    "expected_purchases",
    "expected_spend",
    "fit",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "predict_clv",
    "probability_alive",
]

MONTH_DAYS = 365.25 / 12  # 30.4375: an average Gregorian month, in days
MIN_CUSTOMERS = 50
MIN_REPEAT_CUSTOMERS = 10
FALLBACK_PRIOR_DAYS = 365.0

# Any failure of a fit is turned into a documented fallback rather than an exception.
_FIT_FAILURES = (FitError, ArithmeticError, ValueError)


@dataclass(frozen=True)
class CLVModel:
    """Fitted models plus the store-level figures the fallbacks need."""

    purchases: BGNBDParams | None  # None when it could not be fitted (fallback used)
    spend: GammaGammaParams | None  # None when it could not be fitted (fallback used)
    customers_fitted: int
    repeat_customers: int
    log_likelihood: float | None  # total BG/NBD log-likelihood (days); None if not fitted
    notes: tuple[str, ...]  # what was fitted, what fell back and why
    pooled_daily_rate: float = 0.0  # sum(frequency) / sum(T) at fit time
    observed_mean_spend: float = 0.0  # mean spend per repeat purchase at fit time


def _fit_purchases(
    x: FloatArray, tx: FloatArray, big_t: FloatArray, penalizer: float, notes: list[str]
) -> tuple[BGNBDParams | None, float | None]:
    n, repeat = len(x), int((x > 0).sum())
    why = None
    if n < MIN_CUSTOMERS:
        why = f"only {n} customers (need {MIN_CUSTOMERS})"
    elif repeat < MIN_REPEAT_CUSTOMERS:
        why = f"only {repeat} repeat customers (need {MIN_REPEAT_CUSTOMERS})"
    else:
        try:
            params = fit_bgnbd(x, tx, big_t, penalizer=penalizer)
            log_likelihood = bgnbd_log_likelihood(params, x, tx, big_t)
            # Probe the prediction at the corners of the data, where 2F1 is hardest.
            probe_x = np.array([0.0, 0.0, x.max(), x.max()])
            probe_t = np.array([0.0, big_t.max(), 0.0, big_t.max()])
            probe = _growth(params, 12 * MONTH_DAYS, probe_x, probe_t)
            if not (np.isfinite(log_likelihood) and np.all(np.isfinite(probe))):
                raise FitError("non-finite log-likelihood or prediction")
        except _FIT_FAILURES as exc:
            why = f"fit failed: {exc}"
        else:
            notes.append(
                f"BG/NBD fitted on {n} customers ({repeat} repeat): r={params.r:.4g}, "
                f"alpha={params.alpha:.4g} days, a={params.a:.4g}, b={params.b:.4g}; "
                f"log-likelihood {log_likelihood:.6g}; mean purchase rate "
                f"{params.r / params.alpha * 365.25:.3g}/year, mean dropout probability "
                f"{params.a / (params.a + params.b):.3g} per purchase"
            )
            extreme = _extreme_parameters(params, float(big_t.mean()))
            if extreme:
                notes.append(
                    f"BG/NBD {', '.join(extreme)} at the edge of the search range: the data fit a "
                    "limiting case (e.g. no variation in purchase rate or dropout between "
                    "customers); predictions remain valid"
                )
            return params, log_likelihood
    notes.append(
        f"BG/NBD not fitted: {why}; purchases use the pooled-rate fallback "
        f"(x + rho*{FALLBACK_PRIOR_DAYS:g}) / (T + {FALLBACK_PRIOR_DAYS:g}) per day"
    )
    return None, None


def _extreme_parameters(params: BGNBDParams, mean_t: float) -> list[str]:
    """Names of parameters beyond 1e6 or below 1e-6 (alpha relative to the mean T)."""
    scaled = {"r": params.r, "alpha": params.alpha / (mean_t or 1.0), "a": params.a, "b": params.b}
    return [name for name, value in scaled.items() if not 1e-6 < value < 1e6]


def _fit_spend(
    x: FloatArray, m: FloatArray, penalizer: float, notes: list[str]
) -> GammaGammaParams | None:
    spenders = int(((x > 0) & (m > 0)).sum())
    if spenders < MIN_REPEAT_CUSTOMERS:
        why = f"only {spenders} repeat customers with spend (need {MIN_REPEAT_CUSTOMERS})"
    else:
        try:
            params = fit_gamma_gamma(x, m, penalizer=penalizer)
            values = (params.p, params.q, params.v)
            if not all(np.isfinite(value) for value in values):
                raise FitError("non-finite parameters")
            if params.q <= 1:
                raise FitError(f"q = {params.q:.4g} <= 1, so the population mean spend is infinite")
        except _FIT_FAILURES as exc:
            why = f"fit failed: {exc}"
        else:
            notes.append(
                f"Gamma-Gamma fitted on {spenders} repeat customers with spend: "
                f"p={params.p:.4g}, q={params.q:.4g}, v={params.v:.4g}; population mean spend "
                f"{prior_mean_spend(params):.4g} per purchase"
            )
            return params
    notes.append(
        f"Gamma-Gamma not fitted: {why}; repeat customers use their observed mean spend, "
        "others the population mean"
    )
    return None


def fit(
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    T: npt.ArrayLike,  # noqa: N803 - the literature's name
    monetary: npt.ArrayLike,
    *,
    penalizer: float = 0.0,
) -> CLVModel:
    """Fit both models with fallbacks; raises only ValueError for invalid input."""
    x, tx, big_t, m = validate_summary(frequency, recency, T, monetary)
    assert m is not None  # validate_summary returns monetary when given
    if not (np.isfinite(penalizer) and penalizer >= 0):
        raise ValueError(f"penalizer must be a finite number >= 0, got {penalizer!r}")
    notes: list[str] = []
    purchases, log_likelihood = _fit_purchases(x, tx, big_t, penalizer, notes)
    spend = _fit_spend(x, m, penalizer, notes)
    spenders = (x > 0) & (m > 0)
    total_t = float(big_t.sum())
    rate = float(x.sum()) / total_t if total_t > 0 else 0.0
    transactions = float(x[spenders].sum())
    mean_spend = float((x * m)[spenders].sum()) / transactions if transactions > 0 else 0.0
    if spend is None and transactions == 0:
        notes.append("no repeat spend observed: pass population_mean_spend (e.g. the store's AOV)")
    return CLVModel(
        purchases=purchases,
        spend=spend,
        customers_fitted=len(x),
        repeat_customers=int((x > 0).sum()),
        log_likelihood=log_likelihood,
        notes=tuple(notes),
        pooled_daily_rate=rate,
        observed_mean_spend=mean_spend,
    )


def _spend(model: CLVModel, x: FloatArray, m: FloatArray, override: float | None) -> FloatArray:
    """Expected spend per future purchase, with the population mean for no spend history."""
    history = (x > 0) & (m > 0)
    if model.spend is not None:
        own = expected_spend(model.spend, x, m)
        population = prior_mean_spend(model.spend)
    else:
        own = m
        population = model.observed_mean_spend
    if override is not None:
        population = override
    return np.where(history, own, population)


def _discounted_purchases(
    model: CLVModel,
    x: FloatArray,
    tx: FloatArray,
    big_t: FloatArray,
    discounts: FloatArray,
) -> FloatArray:
    """Sum over months of discounted expected purchases, per customer."""
    # Fallback rate: Gamma-Poisson posterior mean with the pooled rate as prior mean.
    prior = model.pooled_daily_rate * FALLBACK_PRIOR_DAYS
    fallback = (x + prior) / (big_t + FALLBACK_PRIOR_DAYS) * (MONTH_DAYS * float(discounts.sum()))
    params = model.purchases
    if params is None:
        return fallback
    # The growth term depends on (x, T) only, so compute it once per distinct pair (far fewer
    # than customers, since both are whole days) and once per month: a loop over months.
    (ux, ut), _, inverse = _group_rows(x, big_t)
    total = np.zeros_like(ux)
    previous = np.zeros_like(ux)
    with np.errstate(all="ignore"):
        for month, discount in enumerate(discounts, start=1):
            current = _growth(params, month * MONTH_DAYS, ux, ut)
            total += discount * (current - previous)
            previous = current
        result = total[inverse] * _p_alive(params, x, tx, big_t)
    return np.where(np.isfinite(result), result, fallback)


def predict_clv(
    model: CLVModel,
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    T: npt.ArrayLike,  # noqa: N803
    monetary: npt.ArrayLike,
    *,
    months: int = 12,
    monthly_discount: float = 0.01,
    population_mean_spend: float | None = None,
) -> FloatArray:
    """Discounted expected value of each customer's repeat purchases over `months` months.

    Finite and >= 0 for every customer. `population_mean_spend` (when given) is the spend
    per purchase assumed for customers without spend history (frequency 0 or monetary 0).
    """
    x, tx, big_t, m = validate_summary(frequency, recency, T, monetary)
    assert m is not None
    try:
        months = operator.index(months)
    except TypeError:
        raise ValueError(f"months must be an integer, got {months!r}") from None
    if months < 0:
        raise ValueError(f"months must be >= 0, got {months}")
    if not (np.isfinite(monthly_discount) and monthly_discount >= 0):
        raise ValueError(f"monthly_discount must be a finite number >= 0, got {monthly_discount!r}")
    if population_mean_spend is not None and not (
        np.isfinite(population_mean_spend) and population_mean_spend >= 0
    ):
        raise ValueError(
            f"population_mean_spend must be a finite number >= 0, got {population_mean_spend!r}"
        )
    if months == 0 or len(x) == 0:
        return np.zeros(len(x))
    discounts = (1.0 + monthly_discount) ** -np.arange(1, months + 1, dtype=np.float64)
    purchases = _discounted_purchases(model, x, tx, big_t, discounts)
    value = purchases * _spend(model, x, m, population_mean_spend)
    # Differences of an increasing function can round to -1e-17; clamp, and never return NaN.
    return np.clip(np.nan_to_num(value, nan=0.0, posinf=0.0), 0.0, None)
