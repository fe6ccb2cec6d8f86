"""The baseline model of Lashkaripour (2021) and its equilibrium in changes ("exact hat algebra").

Model (Lashkaripour 2021, Section 2; his baseline "Ricardian" model, which nests Eaton-Kortum
and Armington): ``N`` countries, ``K`` sectors, labour the only factor, no input-output links.
Consumers spend fixed Cobb-Douglas shares ``e[n, k]`` of their income on sectors; within a
sector, goods from different origins are CES substitutes with trade elasticity
``epsilon[k]`` (``sigma - 1`` in the Armington reading). Producer prices are ``w_i`` times
fixed unit costs; consumer prices add the importer's ad-valorem tariff. Income is the wage
bill plus tariff revenue (plus the trade deficit, zero in the paper's baseline).

In changes, with ``lam[n, i, k]`` the share of ``n``'s spending on sector ``k`` that goes to
origin ``i`` (tariffs included), ``tau = 1 + t``, hats for new over old values and ``'`` for
new levels, the unknowns are ``x = (ln w_hat, ln E_hat)`` (``2N``) and the equations are
(numbers as in ``docs/lashkaripour2021.md``):

(1) ``lam'[n,i,k] = lam (tau_hat w_hat_i)^(-eps_k) / sum_j lam[n,j,k] (tau_hat w_hat_j)^(-eps_k)``;
(2) ``P_hat[n,k] = (sum_i lam[n,i,k] (tau_hat w_hat_i)^(-eps_k))^(-1/eps_k)``;
(3) wage bill = sales net of tariffs (the paper's eq. 6):
    ``w_hat_i R_i = sum_{n,k} lam'[n,i,k] e[n,k] E_hat_n E_n / tau'[n,i,k]``;
(4) income = wage bill + tariff revenue + deficit (eq. 7):
    ``E_hat_n E_n = w_hat_n R_n + sum_{i,k} t'/tau' lam' e E_hat_n E_n + D'_n``;
(5) numeraire: the world wage bill, ``sum_i R_i w_hat_i = sum_i R_i`` (it replaces the wage
    equation of the last country; the others imply it by Walras' law, as in ``tariffwar``);
(6) welfare: ``W_hat[n] = E_hat_n / prod_k P_hat[n,k]^e[n,k]`` (real income; the paper's
    "% change in real GDP").

Residuals are scaled: (3) by ``R_i``, (4) by ``E_n``, (5) by ``sum R``. Axis order
``[importer n, exporter i, sector k]``. Every kernel here accepts complex inputs (no ``abs``,
``max`` or comparisons on the unknowns), so derivatives can be checked or built by the
complex step.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits

from tradetalks.errors import ShockError
from tradetalks.replication.lashkaripour2021.data import PeerCube
from tradetalks.replication.lashkaripour2021.solver import newton

FloatArray = NDArray[np.float64]
Array = NDArray[Any]
log = logging.getLogger(__name__)

#: Largest absolute scaled residual accepted.
TOL = 1e-12
#: Newton steps allowed.
MAX_ITER = 60

#: ``tariffwar`` adds one USD million to every home flow of the ICIO cubes before anything else
#: ("diagonal scaling for sparse datasets": 41 country-sectors of ICIO 2022 have no output).
HOME_FLOOR: dict[str, float] = {"WIOD": 0.0, "ICIO": 1.0}


@dataclass(frozen=True)
class PeerProvenance:
    """Where a world comes from and how it was prepared.

    Attributes
    ----------
    dataset, year, elasticity_set, elasticity_source : from the cube
    file, sha256 : the raw file and its digest
    home_floor : float      USD million added to every home flow before calibration
    deficits : str          ``"removed"`` (the paper's and tariffwar's balanced baseline) or ``"held"``
    """

    dataset: str
    year: int
    elasticity_set: str
    elasticity_source: str
    file: str
    sha256: str
    home_floor: float
    deficits: str

    def describe(self) -> str:
        """One line."""
        return (
            f"{self.dataset} {self.year}, elasticities {self.elasticity_set} ({self.elasticity_source}); "
            f"deficits {self.deficits}; home flows + {self.home_floor:g}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "year": self.year,
            "elasticity_set": self.elasticity_set,
            "elasticity_source": self.elasticity_source,
            "file": self.file,
            "sha256": self.sha256,
            "home_floor": self.home_floor,
            "deficits": self.deficits,
        }


@dataclass(frozen=True, eq=False)
class PeerWorld:
    """Base-period arrays of the model, built by :func:`calibrate` (all read-only).

    Attributes
    ----------
    flows : (N, N, S)       spending of ``n`` on ``i``'s sector-``k`` goods, tariffs included
    tariffs : (N, N, S)     applied tariffs, fractions
    epsilon : (S,)          trade elasticities
    shares : (N, N, S)      ``lam``: within-sector spending shares (sum to one over exporters)
    sector_shares : (N, S)  ``e``: sector shares of spending
    spending : (N,)         ``E = sum X``
    wage_bill : (N,)        ``R = sum_{n,k} X[n, i, k] / (1 + t)``: sales net of tariffs
    revenue : (N,)          tariff revenue ``sum X t / (1 + t)``
    deficits : (N,)         ``D = E - R - revenue``
    active : (N, S)         sectors with positive spending (the others have ``e = 0``)
    countries, sectors : labels
    provenance : PeerProvenance or None
    """

    flows: FloatArray
    tariffs: FloatArray
    epsilon: FloatArray
    shares: FloatArray
    sector_shares: FloatArray
    spending: FloatArray
    wage_bill: FloatArray
    revenue: FloatArray
    deficits: FloatArray
    active: NDArray[np.bool_]
    countries: tuple[str, ...]
    sectors: tuple[str, ...]
    provenance: PeerProvenance | None = field(default=None)

    @property
    def shape(self) -> tuple[int, int]:
        """``(N, S)``."""
        n, _, s = self.flows.shape
        return n, s

    def country_index(self, country: str) -> int:
        """Position of a country code; raises :class:`ShockError` naming the allowed codes."""
        if country not in self.countries:
            raise ShockError(f"country {country!r} unknown; allowed: {', '.join(self.countries)}")
        return self.countries.index(country)


def _ro(arr: Array) -> Array:
    out = np.ascontiguousarray(arr)
    out.setflags(write=False)
    return out


def calibrate(
    flows: FloatArray,
    tariffs: FloatArray,
    epsilon: FloatArray,
    *,
    countries: tuple[str, ...] | None = None,
    sectors: tuple[str, ...] | None = None,
    provenance: PeerProvenance | None = None,
) -> PeerWorld:
    """The base world from tariff-inclusive flows ``[importer, exporter, sector]``, tariffs and elasticities.

    Derives ``lam``, ``e``, ``E``, the wage bill ``R = sum X / (1 + t)``, tariff revenue and
    deficits ``D = E - R - revenue`` (``docs/lashkaripour2021.md``, Model).

    Parameters
    ----------
    flows : (N, N, S)
        Spending of importer ``n`` on exporter ``i``'s sector-``k`` goods, tariffs included.
    tariffs : (N, N, S)
        Applied tariffs, fractions, zero on home sales.
    epsilon : (S,)
        Trade elasticities.
    countries, sectors : tuple of str, optional
        Labels; default ``C0, C1, ...`` and ``S0, S1, ...``.
    provenance : PeerProvenance, optional

    Raises
    ------
    ShockError
        Wrong shapes, negative flows, tariffs at or below -1 or non-zero at home, elasticities
        not positive, a country with no spending or no sales.
    """
    x = np.array(flows, dtype=np.float64)
    t = np.array(tariffs, dtype=np.float64)
    eps = np.array(epsilon, dtype=np.float64).ravel()
    if x.ndim != 3 or x.shape[0] != x.shape[1]:
        raise ShockError(f"flows: shape {x.shape}, expected (N, N, S) [importer, exporter, sector]")
    n, _, s = x.shape
    if t.shape != x.shape:
        raise ShockError(f"tariffs: shape {t.shape}, expected {x.shape}")
    if eps.shape != (s,) or not np.all(eps > 0):
        raise ShockError(f"epsilon: need {s} positive trade elasticities, got shape {eps.shape}")
    if not (np.all(np.isfinite(x)) and np.all(x >= 0)):
        raise ShockError("flows: must be finite and non-negative")
    idx = np.arange(n)
    if not np.all(np.isfinite(t)) or np.any(t <= -1.0) or np.any(t[idx, idx, :] != 0.0):
        raise ShockError("tariffs: must be finite, above -1 and zero on home sales")
    sector_spending = x.sum(axis=1)
    active = sector_spending > 0
    lam = np.divide(x, sector_spending[:, None, :], out=np.zeros_like(x), where=active[:, None, :])
    spending = x.sum(axis=(1, 2))
    wage_bill = (x / (1.0 + t)).sum(axis=(0, 2))
    if np.any(spending <= 0) or np.any(wage_bill <= 0):
        raise ShockError("flows: every country needs positive spending and positive sales")
    revenue = (x * t / (1.0 + t)).sum(axis=(1, 2))
    return PeerWorld(
        flows=_ro(x),
        tariffs=_ro(t),
        epsilon=_ro(eps),
        shares=_ro(lam),
        sector_shares=_ro(sector_spending / spending[:, None]),
        spending=_ro(spending),
        wage_bill=_ro(wage_bill),
        revenue=_ro(revenue),
        deficits=_ro(spending - wage_bill - revenue),
        active=_ro(active),
        countries=tuple(countries) if countries is not None else tuple(f"C{k}" for k in range(n)),
        sectors=tuple(sectors) if sectors is not None else tuple(f"S{k}" for k in range(s)),
        provenance=provenance,
    )


@dataclass(frozen=True, eq=False)
class Evaluation:
    """Everything the residuals and derivatives need at one point (may be complex).

    Attributes
    ----------
    w_hat, e_hat : (N,)        wage and spending changes
    tariffs : (N, N, S)        new tariff levels ``t'``
    shares : (N, N, S)         new spending shares ``lam'`` (eq. 1)
    sales : (N, N, S)          new sales net of tariffs ``Z = lam' e E' / tau'``, base units
    price_sum : (N, S)         ``sum_i lam (tau_hat w_hat)^(-eps)`` (1 where a sector is inactive)
    residual : (2N,)           scaled residuals of (3)-(5)
    """

    w_hat: Array
    e_hat: Array
    tariffs: Array
    shares: Array
    sales: Array
    price_sum: Array
    residual: Array


def evaluate(world: PeerWorld, x: Array, tariffs: Array, deficits: Array) -> Evaluation:
    """Evaluate eqs. (1)-(5) at ``x = (ln w_hat, ln E_hat)`` for new tariffs and deficits.

    Parameters
    ----------
    world : PeerWorld
    x : (2N,)
        ``(ln w_hat, ln E_hat)``; may be complex (complex-step derivatives).
    tariffs : (N, N, S)
        New tariff levels ``t'``; may be complex.
    deficits : (N,)
        New deficits ``D'``, base units.

    Returns
    -------
    Evaluation
        New shares (1), price sums behind (2), sales net of tariffs and the scaled residuals of
        (3)-(5).
    """
    n, _ = world.shape
    w_hat = np.exp(x[:n])
    e_hat = np.exp(x[n : 2 * n])
    tau_hat = (1.0 + tariffs) / (1.0 + world.tariffs)
    a = world.shares * (tau_hat * w_hat[None, :, None]) ** (-world.epsilon)
    total = a.sum(axis=1)
    price_sum = np.where(world.active, total, 1.0)
    shares = a / price_sum[:, None, :]
    new_spending = e_hat * world.spending
    sales = shares * (world.sector_shares * new_spending[:, None])[:, None, :] / (1.0 + tariffs)
    r = world.wage_bill
    f1 = (sales.sum(axis=(0, 2)) - w_hat * r) / r
    f1[-1] = (r * (w_hat - 1.0)).sum() / r.sum()
    f2 = (new_spending - w_hat * r - (tariffs * sales).sum(axis=(1, 2)) - deficits) / world.spending
    return Evaluation(w_hat, e_hat, tariffs, shares, sales, price_sum, np.concatenate([f1, f2]))


def jacobian_x(world: PeerWorld, ev: Evaluation) -> Array:
    """Analytic Jacobian of the scaled residuals (3)-(5) in ``x = (ln w_hat, ln E_hat)``, ``2N x 2N``.

    With ``Z`` the new sales and ``d ln lam'[n,i,k] / d ln w_j = eps_k (lam'[n,j,k] - [i = j])``:
    ``dF3_i/d ln w_j = [i=j](-sum eps Z[., i, .] - w_hat_i R_i) + sum_{n,k} eps_k Z[n,i,k] lam'[n,j,k]``,
    ``dF3_i/d ln E_m = sum_k Z[m,i,k]``, ``dF4_n/d ln w_j = -[n=j] w_hat_n R_n + sum_k eps_k t' Z[n,j,k]
    - sum_k eps_k lam'[n,j,k] sum_i t' Z[n,i,k]``, ``dF4_n/d ln E_m = [n=m](E'_n - revenue'_n)``.
    """
    n, _ = world.shape
    eps = world.epsilon
    z, lam, t = ev.sales, ev.shares, ev.tariffs
    ez = z * eps
    r = world.wage_bill
    j11 = np.tensordot(ez, lam, axes=([0, 2], [0, 2]))
    j11[np.diag_indices(n)] -= ez.sum(axis=(0, 2)) + ev.w_hat * r
    j12 = z.sum(axis=2).T
    tz = t * z
    j21 = (eps * tz).sum(axis=2) - np.einsum("njk,nk->nj", lam * eps, tz.sum(axis=1))
    j21[np.diag_indices(n)] -= ev.w_hat * r
    j22 = np.diag(ev.e_hat * world.spending - tz.sum(axis=(1, 2)))
    top = np.concatenate([j11, j12], axis=1) / r[:, None]
    top[-1] = 0.0
    top[-1, :n] = r * ev.w_hat / r.sum()
    bottom = np.concatenate([j21, j22], axis=1) / world.spending[:, None]
    out: Array = np.concatenate([top, bottom], axis=0)
    return out


def log_welfare(world: PeerWorld, ev: Evaluation) -> Array:
    """``ln W_hat = ln E_hat - sum_k e ln P_hat`` (eqs. 2 and 6)."""
    out: Array = np.log(ev.e_hat) + (world.sector_shares * np.log(ev.price_sum) / world.epsilon).sum(axis=1)
    return out


def welfare_x(world: PeerWorld, ev: Evaluation) -> Array:
    """``d ln W_hat[n] / d x``, ``N x 2N``: ``-sum_k e[n,k] lam'[n,j,k]`` in ``ln w_j``; identity in ``ln E``.

    (``d ln P_hat[n,k] / d ln w_j = lam'[n,j,k]`` by eq. 2.)
    """
    n, _ = world.shape
    dw = -np.einsum("nk,njk->nj", world.sector_shares, ev.shares)
    out: Array = np.concatenate([dw, np.eye(n)], axis=1)
    return out


@dataclass(frozen=True)
class PeerSolverInfo:
    """Diagnostics of one Newton solve.

    Attributes
    ----------
    converged : bool
    iterations : int        Newton steps
    residual : float        largest absolute scaled residual at the answer
    seconds : float
    """

    converged: bool
    iterations: int
    residual: float
    seconds: float


@dataclass(frozen=True, eq=False)
class PeerEquilibrium:
    """A solved counterfactual relative to its base world.

    Attributes
    ----------
    world : PeerWorld
    x : (2N,)            ``(ln w_hat, ln E_hat)``, usable as a warm start
    tariffs : (N, N, S)  new tariffs
    deficits : (N,)      new deficits, base units
    evaluation : Evaluation
    info : PeerSolverInfo
    """

    world: PeerWorld
    x: FloatArray
    tariffs: FloatArray
    deficits: FloatArray
    evaluation: Evaluation
    info: PeerSolverInfo

    @property
    def welfare_hat(self) -> FloatArray:
        """``W_hat`` (eq. 6)."""
        out: FloatArray = np.exp(log_welfare(self.world, self.evaluation))
        return out

    @property
    def welfare_pct(self) -> FloatArray:
        """``100 (W_hat - 1)``."""
        return 100.0 * (self.welfare_hat - 1.0)

    @property
    def flows(self) -> FloatArray:
        """New tariff-inclusive spending flows, base units."""
        out: FloatArray = self.evaluation.sales * (1.0 + self.tariffs)
        return out

    def rebased(self) -> PeerWorld:
        """The counterfactual as a new base world (same labels and provenance)."""
        w = self.world
        return calibrate(
            self.flows,
            self.tariffs,
            w.epsilon,
            countries=w.countries,
            sectors=w.sectors,
            provenance=w.provenance,
        )


def _check_tariffs(world: PeerWorld, tariffs: FloatArray, deficits: FloatArray) -> None:
    n, s = world.shape
    if tariffs.shape != (n, n, s):
        raise ShockError(f"tariffs: shape {tariffs.shape}, expected {(n, n, s)} [importer, exporter, sector]")
    if not np.all(np.isfinite(tariffs)) or np.any(tariffs <= -1.0):
        raise ShockError("tariffs: must be finite and above -1 (-100 %)")
    if deficits.shape != (n,):
        raise ShockError(f"deficits: shape {deficits.shape}, expected {(n,)}")
    if abs(deficits.sum()) > 1e-9 * world.spending.sum():
        raise ShockError(f"deficits: must sum to zero across countries (sum {deficits.sum():.6g})")


def solve_peer(
    world: PeerWorld,
    tariffs: FloatArray | None = None,
    *,
    deficits: FloatArray | None = None,
    x0: FloatArray | None = None,
    tol: float = TOL,
    max_iter: int = MAX_ITER,
) -> PeerEquilibrium:
    """Solve the equilibrium in changes (eqs. 1-5) for new tariffs and deficits.

    Parameters
    ----------
    world : PeerWorld
    tariffs : (N, N, S), optional
        New tariff levels ``[importer, exporter, sector]``; default: the base tariffs.
    deficits : (N,), optional
        New deficits, base units, summing to zero; default: the base deficits.
    x0 : (2N,), optional
        Warm start ``(ln w_hat, ln E_hat)``; default zeros.
    tol, max_iter :
        Largest scaled residual accepted; Newton steps allowed.

    Raises
    ------
    ShockError
        Inputs of the wrong shape or sign.
    ConvergenceError
        When the tolerance is not met.
    """
    start = time.perf_counter()
    t_new = np.array(world.tariffs if tariffs is None else tariffs, dtype=np.float64)
    d_new = np.array(world.deficits if deficits is None else deficits, dtype=np.float64)
    _check_tariffs(world, t_new, d_new)
    n, _ = world.shape
    z0 = np.zeros(2 * n) if x0 is None else np.asarray(x0, dtype=np.float64)
    if z0.shape != (2 * n,):
        raise ShockError(f"x0: shape {z0.shape}, expected {(2 * n,)}")

    def residual(z: FloatArray) -> tuple[Array, Evaluation]:
        ev = evaluate(world, z, t_new, d_new)
        return ev.residual, ev

    def jac(z: FloatArray, ev: Evaluation) -> Array:
        return jacobian_x(world, ev)

    with threadpool_limits(limits=1, user_api="blas"):  # small BLAS calls: threads only contend
        x, ev, norm, it = newton(residual, jac, z0, tol=tol, max_iter=max_iter, what="peer equilibrium")
    info = PeerSolverInfo(True, it, norm, time.perf_counter() - start)
    return PeerEquilibrium(world, x, t_new, d_new, ev, info)


def balanced_world(world: PeerWorld) -> PeerWorld:
    """The paper's and ``tariffwar``'s baseline: deficits removed at the base tariffs (eq. 11).

    Solves the counterfactual ``D' = 0`` (Dekle, Eaton and Kortum 2007) with eqs. (1)-(5) and
    returns its flows, ``lam' e E'``, as the new base (``tariffwar``'s ``balance_trade``).

    Raises
    ------
    ConvergenceError
        When the zero-deficit equilibrium does not solve.
    """
    eq = solve_peer(world, deficits=np.zeros(world.shape[0]))
    log.info("deficits removed in %d Newton steps (residual %.1e)", eq.info.iterations, eq.info.residual)
    return eq.rebased()


def peer_world(
    cube: PeerCube,
    *,
    deficits: str = "removed",
    home_floor: float | None = None,
    epsilon: FloatArray | None = None,
) -> PeerWorld:
    """The model's base world from a cube, prepared as ``tariffwar`` does.

    Parameters
    ----------
    cube : PeerCube
    deficits : {"removed", "held"}
        ``"removed"`` (default, the paper's baseline): deficits are first removed at the
        factual tariffs (:func:`balanced_world`) and every counterfactual keeps them at zero.
        ``"held"``: the raw cube as base, deficits held at their base values (a variant).
    home_floor : float, optional
        USD million added to every home flow; default :data:`HOME_FLOOR` (1 for ICIO, 0 for
        WIOD), as ``tariffwar``.
    epsilon : (S,), optional
        Trade elasticities replacing the cube's set (a sensitivity run, e.g. the paper's
        services elasticity of 10); the provenance then says so.

    Raises
    ------
    ShockError
        Unknown ``deficits``, a negative ``home_floor``, or ``epsilon`` of the wrong shape or
        not positive.
    """
    if deficits not in ("removed", "held"):
        raise ShockError(f"deficits={deficits!r} unknown; allowed: removed, held")
    floor = HOME_FLOOR[cube.dataset] if home_floor is None else float(home_floor)
    if not (np.isfinite(floor) and floor >= 0):
        raise ShockError(f"home_floor={home_floor!r}: must be a non-negative number")
    flows = np.array(cube.flows)
    n = flows.shape[0]
    flows[np.arange(n), np.arange(n), :] += floor
    eps = np.array(cube.epsilon if epsilon is None else epsilon, dtype=np.float64)
    if eps.shape != cube.epsilon.shape or not np.all(eps > 0):
        raise ShockError(f"epsilon: need {cube.epsilon.size} positive trade elasticities, got {eps.shape}")
    changed = not np.array_equal(eps, cube.epsilon)
    prov = PeerProvenance(
        dataset=cube.dataset,
        year=cube.year,
        elasticity_set=f"{cube.elasticity_set}, modified" if changed else cube.elasticity_set,
        elasticity_source=cube.elasticity_source,
        file=cube.path.name,
        sha256=cube.sha256,
        home_floor=floor,
        deficits=deficits,
    )
    world = calibrate(
        flows, cube.tariffs, eps, countries=cube.countries, sectors=cube.sectors, provenance=prov
    )
    return balanced_world(world) if deficits == "removed" else world
