"""BG/NBD + Gamma-Gamma CLV: parameter recovery, published values, holdout check, fallbacks."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pytest
from scipy import integrate, stats

from assistant.metrics import btyd, clv
from assistant.metrics.clv import (
    MONTH_DAYS,
    BGNBDParams,
    CLVModel,
    FitError,
    GammaGammaParams,
    expected_purchases,
    expected_spend,
    fit,
    fit_bgnbd,
    fit_gamma_gamma,
    predict_clv,
    probability_alive,
)

FloatArray = np.ndarray

# Plausible retail values, time in days: about 3.7 purchases a year, 24 % dropout per purchase,
# a mean spend of p v / (q - 1) = 30 per purchase.
TRUE_PURCHASES = BGNBDParams(r=0.5, alpha=50.0, a=0.8, b=2.5)
TRUE_SPEND = GammaGammaParams(p=6.0, q=4.0, v=15.0)
HOLDOUT_DAYS = 6 * MONTH_DAYS


@dataclass(frozen=True)
class Store:
    frequency: FloatArray
    recency: FloatArray
    T: FloatArray
    monetary: FloatArray
    holdout_purchases: FloatArray
    holdout_revenue: FloatArray


def simulate(seed: int, n: int, holdout: float = HOLDOUT_DAYS) -> Store:
    """Draw a store from the BG/NBD and Gamma-Gamma generative models (vectorised)."""
    rng = np.random.default_rng(seed)
    pp, sp = TRUE_PURCHASES, TRUE_SPEND
    rate = rng.gamma(pp.r, 1 / pp.alpha, n)
    dropout = rng.beta(pp.a, pp.b, n)
    big_t = rng.integers(30, 731, n).astype(float)  # first purchase 1-24 months ago
    # Repeat purchases form a Poisson process; the customer leaves after the J-th one,
    # J ~ Geometric(p). Given n events in (0, T], the k-th falls at T * Beta(k, n - k + 1).
    events = rng.poisson(rate * big_t)
    last_allowed = rng.geometric(dropout)
    x = np.minimum(events, last_allowed)
    recency = np.where(x > 0, big_t * rng.beta(np.maximum(x, 1), events - x + 1), 0.0)
    alive = events < last_allowed
    # Memorylessness: the holdout continues with a fresh Poisson count and geometric dropout.
    future = np.where(alive, np.minimum(rng.poisson(rate * holdout), rng.geometric(dropout)), 0)
    # Spend per purchase ~ Gamma(p, nu), nu ~ Gamma(q, v): a sum of k purchases ~ Gamma(p k, nu).
    nu = rng.gamma(sp.q, 1 / sp.v, n)
    spent = rng.gamma(np.maximum(sp.p * x, 1e-9), 1 / nu)
    monetary = np.where(x > 0, spent / np.maximum(x, 1), 0.0)
    revenue = np.where(future > 0, rng.gamma(np.maximum(sp.p * future, 1e-9), 1 / nu), 0.0)
    return Store(x.astype(float), recency, big_t, monetary, future.astype(float), revenue)


@pytest.fixture(scope="module")
def store() -> Store:
    return simulate(seed=20240601, n=20_000)


@pytest.fixture(scope="module")
def model(store: Store) -> CLVModel:
    return fit(store.frequency, store.recency, store.T, store.monetary)


def _relative_errors(fitted: object, true: object, names: str) -> dict[str, float]:
    return {n: getattr(fitted, n) / getattr(true, n) - 1 for n in names.split()}


# --------------------------------------------------------------------------- recovery


def test_bgnbd_recovers_the_simulated_parameters(model: CLVModel) -> None:
    assert model.purchases is not None
    errors = _relative_errors(model.purchases, TRUE_PURCHASES, "r alpha a b")
    # The rate parameters are well identified; the dropout Beta less so (a and b co-vary).
    assert abs(errors["r"]) < 0.15 and abs(errors["alpha"]) < 0.15, errors
    assert abs(errors["a"]) < 0.25 and abs(errors["b"]) < 0.25, errors


def test_gamma_gamma_recovers_the_simulated_parameters(model: CLVModel) -> None:
    assert model.spend is not None
    errors = _relative_errors(model.spend, TRUE_SPEND, "p q v")
    assert all(abs(e) < 0.25 for e in errors.values()), errors
    fitted_mean = model.spend.p * model.spend.v / (model.spend.q - 1)
    assert fitted_mean == pytest.approx(30.0, rel=0.05)


def test_fit_reports_what_it_fitted(model: CLVModel, store: Store) -> None:
    assert model.customers_fitted == len(store.frequency)
    assert model.repeat_customers == int((store.frequency > 0).sum())
    assert model.log_likelihood is not None and np.isfinite(model.log_likelihood)
    assert any(note.startswith("BG/NBD fitted") for note in model.notes)
    assert any(note.startswith("Gamma-Gamma fitted") for note in model.notes)


def test_the_fit_is_a_maximum_of_the_likelihood(model: CLVModel, store: Store) -> None:
    assert model.purchases is not None and model.log_likelihood is not None
    summary = (store.frequency, store.recency, store.T)
    for name in ("r", "alpha", "a", "b"):
        for factor in (0.97, 1.03):
            moved = replace(model.purchases, **{name: getattr(model.purchases, name) * factor})
            nearby = btyd.bgnbd_log_likelihood(moved, *summary)
            assert nearby < model.log_likelihood, (name, factor)


# --------------------------------------------------------------------------- calibration / holdout


def test_holdout_purchases_match_predictions_in_aggregate(model: CLVModel, store: Store) -> None:
    """Fit on the calibration window, predict the next six months, compare with what happened."""
    assert model.purchases is not None
    predicted = expected_purchases(
        model.purchases, HOLDOUT_DAYS, store.frequency, store.recency, store.T
    )
    actual = store.holdout_purchases
    assert predicted.sum() == pytest.approx(actual.sum(), rel=0.10)
    # Also by calibration frequency, so errors cannot cancel out between groups.
    x = store.frequency
    for group in (x == 0, (x >= 1) & (x <= 2), (x >= 3) & (x <= 6), x >= 7):
        assert predicted[group].sum() == pytest.approx(actual[group].sum(), rel=0.15)


def test_holdout_revenue_matches_undiscounted_clv(model: CLVModel, store: Store) -> None:
    predicted = predict_clv(
        model,
        store.frequency,
        store.recency,
        store.T,
        store.monetary,
        months=6,
        monthly_discount=0.0,
    )
    assert predicted.sum() == pytest.approx(store.holdout_revenue.sum(), rel=0.10)


# --------------------------------------------------------------------------- known values

# Fader, Hardie & Lee (2005) on CDNOW (time in weeks), and the values of Hardie's spreadsheet.
CDNOW = BGNBDParams(r=0.24259, alpha=4.41359, a=0.79292, b=2.42589)


def test_conditional_expectation_matches_the_published_cdnow_example() -> None:
    value = expected_purchases(CDNOW, 39, [2], [30.43], [38.86])
    assert value[0] == pytest.approx(1.226, abs=1e-3)


def test_unconditional_expectation_matches_the_published_cdnow_curve() -> None:
    # A customer who has just made their first purchase: x = t_x = T = 0.
    weeks = [0.1429, 1.0, 3.0, 31.8571, 32.0, 78.0]
    published = [0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576]
    values = [expected_purchases(CDNOW, t, [0], [0], [0])[0] for t in weeks]
    np.testing.assert_allclose(values, published, atol=1e-3)


@pytest.mark.parametrize("a", [0.4, 1.0, 2.5])
def test_expected_purchases_match_numerical_integration(a: float) -> None:
    """E[X(t)] = E[(1 - exp(-lambda p t)) / p] over the priors, for a < 1, a = 1 and a > 1."""
    params = BGNBDParams(r=0.7, alpha=40.0, a=a, b=1.5)
    t = 200.0

    def given_p(p: float) -> float:
        # The rate integrates out exactly: E[exp(-lambda p t)] = (alpha / (alpha + p t))^r.
        kept = 1 - (params.alpha / (params.alpha + p * t)) ** params.r
        return float(kept / p * stats.beta.pdf(p, params.a, params.b))

    reference, _ = integrate.quad(given_p, 0, 1, limit=200)
    assert expected_purchases(params, t, [0], [0], [0])[0] == pytest.approx(reference, rel=1e-6)


def test_extreme_parameters_still_give_finite_bounded_predictions() -> None:
    # Corners where scipy's 2F1 returns NaN; the quadrature fallback takes over.
    x = np.array([0.0, 0.0, 5.0, 300.0])
    big_t = np.array([0.0, 500.0, 400.0, 1000.0])
    recency = np.array([0.0, 0.0, 300.0, 990.0])
    for params in (
        BGNBDParams(r=2.0, alpha=2.0, a=3.0, b=800.0),
        BGNBDParams(r=2.0, alpha=2.0, a=2e4, b=3e6),
        BGNBDParams(r=0.3, alpha=50.0, a=1e-6, b=1e-6),
    ):
        values = expected_purchases(params, 365.25, x, recency, big_t)
        ceiling = (params.r + x) * 365.25 / (params.alpha + big_t)
        assert np.all(np.isfinite(values)) and np.all(values >= 0), params
        assert np.all(values <= ceiling * (1 + 1e-9)), params


def test_concentrated_dropout_approaches_the_fixed_p_limit() -> None:
    # a, b -> infinity with a / (a + b) = 0.25 is BG/NBD with every customer's p = 0.25.
    params = BGNBDParams(r=1.0, alpha=30.0, a=2.5e6, b=7.5e6)
    p, t = 0.25, 365.25
    limit = (1 - (30.0 / (30.0 + p * t)) ** 1.0) / p
    assert expected_purchases(params, t, [0], [0], [0])[0] == pytest.approx(limit, rel=1e-4)


# --------------------------------------------------------------------------- analytic shape


def test_probability_alive_is_one_without_repeat_purchases() -> None:
    alive = probability_alive(TRUE_PURCHASES, [0, 0], [0, 0], [0, 400])
    np.testing.assert_array_equal(alive, [1.0, 1.0])


def test_more_recent_customers_are_more_alive_and_expected_to_buy_more() -> None:
    recency = np.array([50.0, 150.0, 250.0, 300.0])
    x, big_t = np.full(4, 5.0), np.full(4, 300.0)
    alive = probability_alive(TRUE_PURCHASES, x, recency, big_t)
    future = expected_purchases(TRUE_PURCHASES, 365.25, x, recency, big_t)
    assert np.all(np.diff(alive) > 0) and np.all((alive > 0) & (alive < 1))
    assert np.all(np.diff(future) > 0)


def test_expected_purchases_start_at_zero_and_grow_with_time() -> None:
    args = ([0.0, 3.0], [0.0, 100.0], [200.0, 200.0])
    np.testing.assert_array_equal(expected_purchases(TRUE_PURCHASES, 0.0, *args), [0.0, 0.0])
    curve = np.array([expected_purchases(TRUE_PURCHASES, t, *args) for t in (1, 30, 365, 3650)])
    assert np.all(np.diff(curve, axis=0) > 0)


def test_expected_spend_is_the_gamma_gamma_posterior_mean() -> None:
    params = GammaGammaParams(p=6.0, q=4.0, v=15.0)
    # p (v + x m) / (p x + q - 1): 6 * (15 + 80) / 15 = 38; no history -> p v / (q - 1) = 30.
    spend = expected_spend(params, [2, 0, 3], [40.0, 0.0, 0.0])
    np.testing.assert_allclose(spend, [38.0, 30.0, 30.0])


# --------------------------------------------------------------------------- CLV


def test_clv_is_the_discounted_sum_of_monthly_purchases_times_spend(model: CLVModel) -> None:
    assert model.purchases is not None and model.spend is not None
    customer = ([4.0], [200.0], [360.0], [35.0])
    months = [
        expected_purchases(model.purchases, m * MONTH_DAYS, *customer[:3])[0] for m in range(13)
    ]
    spend = expected_spend(model.spend, customer[0], customer[3])[0]
    by_hand = sum((months[m] - months[m - 1]) * spend / 1.01**m for m in range(1, 13))
    assert predict_clv(model, *customer)[0] == pytest.approx(by_hand, rel=1e-9)


def test_population_mean_spend_applies_to_customers_without_spend(model: CLVModel) -> None:
    one_timer = ([0.0], [0.0], [100.0], [0.0])
    default = predict_clv(model, *one_timer)[0]
    doubled = predict_clv(model, *one_timer, population_mean_spend=60.0)[0]
    assert default > 0
    assert model.spend is not None
    prior_mean = model.spend.p * model.spend.v / (model.spend.q - 1)
    assert doubled == pytest.approx(default * 60.0 / prior_mean, rel=1e-9)


def test_discounting(model: CLVModel, store: Store) -> None:
    args = (model, store.frequency, store.recency, store.T, store.monetary)
    undiscounted = predict_clv(*args, monthly_discount=0.0)
    default = predict_clv(*args)
    steep = predict_clv(*args, monthly_discount=0.05)
    assert np.all(undiscounted >= default) and undiscounted.sum() > default.sum()
    assert default.sum() > steep.sum()
    assert predict_clv(*args, months=24).sum() > default.sum()
    np.testing.assert_array_equal(predict_clv(*args, months=0), np.zeros(len(store.frequency)))


def test_clv_is_finite_and_non_negative(model: CLVModel, store: Store) -> None:
    values = predict_clv(model, store.frequency, store.recency, store.T, store.monetary)
    assert values.shape == store.frequency.shape
    assert np.all(np.isfinite(values)) and np.all(values >= 0)
    assert values.max() > 0


# --------------------------------------------------------------------------- fallbacks


def _check_safe(model: CLVModel, *summary: object, **kwargs: float) -> FloatArray:
    values = predict_clv(model, *summary, **kwargs)  # type: ignore[arg-type]
    assert np.all(np.isfinite(values)) and np.all(values >= 0)
    return values


def test_tiny_store_falls_back_to_the_pooled_rate() -> None:
    summary = ([0, 1, 2], [0, 5, 10], [10, 20, 30], [0.0, 20.0, 30.0])
    model = fit(*summary)
    assert model.purchases is None and model.spend is None
    assert any("only 3 customers" in note for note in model.notes)
    values = _check_safe(model, *summary)
    # Pooled rate 3 / 60 per day; customer 2: (2 + 0.05 * 365) / (30 + 365) per day.
    rate = (2 + 3 / 60 * 365) / (30 + 365)
    discounts = sum(1.01**-m for m in range(1, 13))
    assert values[2] == pytest.approx(rate * MONTH_DAYS * discounts * 30.0)


def test_store_of_one_time_buyers_gives_zero_not_an_error() -> None:
    rng = np.random.default_rng(1)
    n = 200
    summary = (np.zeros(n), np.zeros(n), rng.integers(0, 400, n).astype(float), np.zeros(n))
    model = fit(*summary)
    assert model.purchases is None and model.spend is None
    assert any("0 repeat customers" in note for note in model.notes)
    assert any("population_mean_spend" in note for note in model.notes)
    assert np.all(_check_safe(model, *summary, population_mean_spend=50.0) == 0)


def test_all_zero_monetary_fits_purchases_but_not_spend(store: Store) -> None:
    summary = (store.frequency, store.recency, store.T, np.zeros_like(store.frequency))
    model = fit(*summary)
    assert model.purchases is not None and model.spend is None
    assert any("Gamma-Gamma not fitted" in note for note in model.notes)
    assert np.all(_check_safe(model, *summary) == 0)
    assert _check_safe(model, *summary, population_mean_spend=25.0).sum() > 0


def test_identical_spend_falls_back_to_observed_means(store: Store) -> None:
    monetary = np.where(store.frequency > 0, 25.0, 0.0)
    model = fit(store.frequency, store.recency, store.T, monetary)
    assert model.spend is None and model.observed_mean_spend == pytest.approx(25.0)
    assert any("same spend" in note for note in model.notes)


def test_optimiser_failure_falls_back(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> BGNBDParams:
        raise FitError("BG/NBD: optimiser did not converge (simulated)")

    monkeypatch.setattr(clv, "fit_bgnbd", fail)
    summary = (store.frequency, store.recency, store.T, store.monetary)
    model = fit(*summary)
    assert model.purchases is None and model.spend is not None and model.log_likelihood is None
    assert any("did not converge" in note for note in model.notes)
    _check_safe(model, *summary)


def test_infinite_mean_spend_prior_falls_back(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clv, "fit_gamma_gamma", lambda *a, **k: GammaGammaParams(2.0, 0.8, 10.0))
    model = fit(store.frequency, store.recency, store.T, store.monetary)
    assert model.spend is None
    assert any("q = 0.8 <= 1" in note for note in model.notes)


def test_empty_input() -> None:
    model = fit([], [], [], [])
    assert model.customers_fitted == 0
    assert predict_clv(model, [], [], [], []).shape == (0,)


def test_the_fitters_refuse_data_that_cannot_identify_them() -> None:
    with pytest.raises(FitError, match="no repeat purchases"):
        fit_bgnbd([0, 0], [0, 0], [5, 9])
    with pytest.raises(FitError, match="fewer than two"):
        fit_gamma_gamma([0, 1], [0.0, 20.0])


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("frequency", "recency", "T", "monetary", "message"),
    [
        ([0, -1], [0, 0], [5, 5], [0, 0], r"frequency\[1\] = -1.0: must be non-negative"),
        ([0, 1.5], [0, 1], [5, 5], [0, 9], r"frequency\[1\] = 1.5: must be an integer"),
        ([1, 1, 1], [2, 3, 9], [5, 5, 5], [1, 1, 1], r"recency\[2\] = 9.0: must not exceed T"),
        ([0, 0], [0, 2], [5, 5], [0, 0], r"recency\[1\] = 2.0: must be 0 when frequency is 0"),
        ([0], [0], [-3], [0], r"T\[0\] = -3.0: must be non-negative"),
        ([1], [1], [5], [float("nan")], r"monetary\[0\] = nan: must be finite"),
        ([1, 2], [1, 2], [5], [1, 2], r"equal lengths.*'T': 1"),
    ],
)
def test_bad_input_names_the_field_and_index(
    frequency: list[float],
    recency: list[float],
    T: list[float],  # noqa: N803
    monetary: list[float],
    message: str,
) -> None:
    with pytest.raises(ValueError, match=message):
        fit(frequency, recency, T, monetary)
    with pytest.raises(ValueError, match=message):
        predict_clv(fit([], [], [], []), frequency, recency, T, monetary)


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ({"months": -1}, "months must be >= 0"),
        ({"months": 1.5}, "months must be an integer"),
        ({"monthly_discount": -0.01}, "monthly_discount"),
        ({"population_mean_spend": float("inf")}, "population_mean_spend"),
    ],
)
def test_bad_options_are_rejected(option: dict[str, float], message: str) -> None:
    model = fit([], [], [], [])
    with pytest.raises(ValueError, match=message):
        predict_clv(model, [1], [1], [2], [10.0], **option)  # type: ignore[arg-type]
