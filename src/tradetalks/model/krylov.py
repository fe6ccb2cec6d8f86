"""Block Krylov solves of the sensitivity systems ``(I - T_z) X = B`` (docs/model.md, eq. 6.1),
with a preconditioner recycled from the solves at earlier, nearby states.

An optimiser asks for the sensitivities of the equilibrium along the same policy directions at a
sequence of states that move little from one call to the next. Each solve here is a flexible
block GCR iteration (Eisenstat, Elman and Schultz 1983; Vogel 2007 for the flexible variant): all
columns of ``B`` share one search space, so that every product ``(I - T_z) P`` of a block of
directions (one batched complex-step evaluation of the map) serves every column, and each
column's residual is minimised over the whole space. The space of a solve is kept:
``P Q^T`` with ``Q = (I - T_z) P`` orthonormal is the exact inverse of the operator on the range
of ``Q``, and is the preconditioner of the next solve, whose operator is close to it. The levels
nest (the newest acts first on the residual, what it cannot represent passes to the older ones,
the rest is left as is), within a cap on the columns kept. Only the columns not yet solved
enter a new block, each scaled to one size, so that small columns (rates on little trade) are
solved to their own accuracy.

The residual of the answer is checked against the operator at the current state, so the
preconditioner (built at other states) affects the speed only, never the accuracy.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
SingleArray = NDArray[np.float32]
log = logging.getLogger(__name__)

#: Size, relative to the new block before its orthogonalisation, below which a direction of the
#: block is taken as already in the search space: a direction kept at relative size ``s`` carries
#: rounding errors amplified by ``1 / s`` into the recurrence ``Q = A P``, so ``s`` must stay large.
RANK_TOL = 1e-7


class RecycledKrylov:
    """Flexible block GCR for ``A X = B``, ``A`` given by its products with blocks of columns.

    Parameters
    ----------
    tol : float
        Stop when ``max |B - A X| <= tol * max |B|`` column by column (each column to its own
        accuracy).
    max_blocks : int
        Most blocks of search directions one solve may add.
    max_columns : int
        Most columns of earlier search spaces kept as the preconditioner (the newest solve's
        first, then the leading columns of the older ones).
    floor : float
        Columns of ``B`` smaller than ``floor`` times the largest are solved to the accuracy of
        that size (their share of the gradient is as small).

    Attributes
    ----------
    products : int
        Columns multiplied by ``A`` so far (the cost: one evaluation of the map per column).
    blocks : int
        Blocks of search directions added so far (over all solves).
    """

    def __init__(
        self, tol: float = 1e-8, max_blocks: int = 60, max_columns: int = 200, floor: float = 1e-3
    ) -> None:
        self.tol = tol
        self.floor = floor
        self.max_blocks = max_blocks
        self.max_columns = max_columns
        self._levels: list[tuple[SingleArray, SingleArray]] = []
        self.products = 0
        self.blocks = 0

    @property
    def kept_columns(self) -> int:
        """Columns of the recycled spaces (the preconditioner's size)."""
        return sum(p.shape[0] for p, _ in self._levels)

    def precondition(self, r: FloatArray) -> FloatArray:
        """The recycled approximate inverse applied to the columns of ``r``.

        The newest level inverts the part of ``r`` in its range exactly (at its own state), the
        remainder passes to the next older one, and what no level represents is kept unchanged.
        The levels are held in single precision: a preconditioner's rounding only affects the
        speed of the iteration (whose residuals are double), and the products with the levels
        are bound by memory traffic.
        """
        if not self._levels:
            return r.copy()
        rest = r.astype(np.float32)
        out = np.zeros_like(rest)
        for pt, qt in reversed(self._levels):
            c = qt @ rest
            out += pt.T @ c
            rest -= qt.T @ c
        result: FloatArray = (out + rest).astype(np.float64)
        return result

    def solve(
        self, apply: Callable[[FloatArray], FloatArray], rhs: FloatArray, x0: FloatArray | None = None
    ) -> FloatArray | None:
        """``X`` with ``apply(X) = rhs`` to :attr:`tol`, or None if it stalls or runs out of blocks.

        Parameters
        ----------
        apply : callable
            ``A P`` for a block ``P`` ``(dim, k)``.
        rhs : (dim, K) array
        x0 : (dim, K) array, optional
            A guess (the solution at a nearby state); it enters as the first block of search
            directions, so that the best combination of its columns is taken, not the guess itself.
        """
        b = np.asarray(rhs, dtype=np.float64)
        # each column to its own accuracy: a small column (a rate on little trade) is a gradient
        # component as much as a large one
        size_b = np.abs(b).max(axis=0)
        limit = self.tol * np.maximum(size_b, self.floor * float(size_b.max()))
        dim, width = b.shape
        x = np.zeros_like(b)
        r = b.copy()
        # the search space: rows [0, n) of pt and of qt, (A P)^T with orthonormal rows (rows, so
        # that the growing blocks stay contiguous)
        room = min(self.max_blocks + 1, 8) * width  # grown when full
        pt, qt, n = np.empty((room, dim)), np.empty((room, dim)), 0
        first = None if x0 is None else np.array(x0, dtype=np.float64)
        blocks = 0
        while True:
            if np.all(np.abs(r).max(axis=0) <= limit):
                # the recurrence's residual drifts from the true one: check it at the current state
                # (and go on from the true one if it is not yet small enough)
                r = b - self._apply(apply, x)
                if np.all(np.abs(r).max(axis=0) <= limit):
                    break
            if blocks >= self.max_blocks:
                log.debug("block GCR: no convergence in %d blocks", blocks)
                return None
            # directions from the columns not yet within the tolerance only (the others' residuals
            # can only shrink in the 2-norm as the space grows; they rejoin if one grows back)
            active = np.abs(r).max(axis=0) > limit
            if first is not None:
                p, first = first[:, active], None
            else:
                p = self.precondition(r[:, active])
            # columns of one size (the map is linear: the space is the same), so that the rank
            # test below weighs the directions of a small column as much as a large one's
            size_p = np.abs(p).max(axis=0)
            p = p[:, size_p > 0] / size_p[size_p > 0]
            if p.shape[1] == 0:
                log.debug("block GCR: no new direction")
                return None
            q = self._apply(apply, p)
            size = float(np.sqrt((q * q).sum(axis=0)).max())
            if n:
                p, q = _orthogonalise(p, q, pt[:n], qt[:n])
            # q = (qr_q u) diag(s) vt: a thin QR, then the SVD of its small triangular factor
            qr_q, qr_r = np.linalg.qr(q)
            u, s, vt = np.linalg.svd(qr_r)
            keep = s > RANK_TOL * max(size, 1e-300)
            if not keep.any():
                log.debug("block GCR: the new directions add nothing to the search space")
                return None
            t = vt[keep].T / s[keep]  # q t = qr_q u[:, keep], orthonormal
            k = int(keep.sum())
            if n + k > pt.shape[0]:
                pt = np.concatenate([pt[:n], np.empty((n + k + pt.shape[0], dim))])
                qt = np.concatenate([qt[:n], np.empty((n + k + qt.shape[0], dim))])
            q_new, p_new = qr_q @ u[:, keep], p @ t
            qt[n : n + k] = q_new.T
            pt[n : n + k] = p_new.T
            alpha = q_new.T @ r
            x += p_new @ alpha
            r -= q_new @ alpha
            n += k
            blocks += 1
            self.blocks += 1
            log.debug("block GCR: block %d, %d directions, %d columns open", blocks, k, int(active.sum()))
        if n:
            self._keep(pt[: min(n, self.max_columns)], qt[: min(n, self.max_columns)])
        return x

    def _apply(self, apply: Callable[[FloatArray], FloatArray], p: FloatArray) -> FloatArray:
        self.products += p.shape[1]
        out: FloatArray = np.asarray(apply(p), dtype=np.float64)
        return out

    def _keep(self, pt: FloatArray, qt: FloatArray) -> None:
        """Keep a solve's space (``P^T`` and ``(A P)^T``) as the newest level, within
        :attr:`max_columns`: the older levels keep their leading directions (their first blocks)
        in the room left, the oldest losing first. A level cut to its leading rows is still the
        exact inverse on what remains of its range."""
        levels = [*self._levels, (pt.astype(np.float32), qt.astype(np.float32))]
        room = self.max_columns
        kept: list[tuple[SingleArray, SingleArray]] = []
        for p_l, q_l in reversed(levels):
            take = min(p_l.shape[0], room)
            if take > 0:
                kept.append((p_l[:take], q_l[:take]))
            room -= take
        self._levels = kept[::-1]


def _orthogonalise(
    p: FloatArray, q: FloatArray, pt: FloatArray, qt: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """``q`` made orthogonal to the orthonormal rows of ``qt``, ``p`` moved alike by ``pt`` (so
    that ``q = A p`` still holds); block Gram-Schmidt, repeated once where the first pass
    cancelled more than half of a column's norm (Kahan's "twice is enough")."""
    before = np.sqrt((q * q).sum(axis=0))
    c = qt @ q
    q = q - qt.T @ c
    after = np.sqrt((q * q).sum(axis=0))
    if np.any(after < 0.5 * before):
        c2 = qt @ q
        q = q - qt.T @ c2
        c = c + c2
    p = p - pt.T @ c
    return p, q
