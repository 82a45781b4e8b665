"""Evaluation, Potency, Activity from the data when the scale file does not assign them.

Method (stated in every result): principal components of the correlation matrix of the scales,
over every complete ``respondent × object`` rating, the first three kept and rotated by varimax
(Kaiser 1958). Osgood found Evaluation carries the most variance, then Potency, then Activity;
the rotated components are named E, P, A in that order of explained variance. That naming is an
assumption the analyst must check against the loadings, which are always reported.

Each scale is assigned to the component where its absolute loading is largest; a negative loading
means the scale runs against the component, and its mean enters the score turned round (8 - x).
A component's sign is set so that the scales it claims load positively on the whole: with a
majority of scales oriented "high = 7" that makes high scores mean the high poles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from qorgau.image.domain.errors import FactorAnalysisError
from qorgau.image.domain.scales import FACTORS

METHOD = "principal components of the scale correlations, 3 kept, varimax rotation"


@dataclass(frozen=True)
class FactorSolution:
    """Loadings of every scale on E, P, A and each scale's assignment.

    ``loadings[scale][factor]`` is the rotated loading; ``explained[factor]`` the share of the total
    variance the rotated component carries; ``assignment[scale] = (factor, sign)``.
    """

    loadings: dict[str, dict[str, float]]
    explained: dict[str, float]
    assignment: dict[str, tuple[str, int]]
    observations: int
    method: str = METHOD

    def to_dict(self) -> dict[str, object]:
        return {
            "method": self.method,
            "observations": self.observations,
            "loadings": self.loadings,
            "explained_variance": self.explained,
            "assignment": {scale: {"factor": f, "sign": s} for scale, (f, s) in self.assignment.items()},
            "note": "components are named E, P, A by explained variance (Osgood); check the loadings",
        }


def varimax(
    loadings: npt.NDArray[np.float64], *, iterations: int = 200, tolerance: float = 1e-10
) -> npt.NDArray[np.float64]:
    """Rotate a ``scales × components`` loading matrix to the varimax criterion (orthogonal)."""
    scale_count, component_count = loadings.shape
    rotation = np.eye(component_count)
    criterion = 0.0
    for _ in range(iterations):
        rotated = loadings @ rotation
        target = rotated**3 - rotated @ np.diag(np.sum(rotated**2, axis=0)) / scale_count
        left, singular, right = np.linalg.svd(loadings.T @ target)
        rotation = left @ right
        previous, criterion = criterion, float(np.sum(singular))
        if previous and criterion < previous * (1 + tolerance):
            break
    return loadings @ rotation


def extract_epa(
    observations: npt.NDArray[np.float64], scale_ids: tuple[str, ...], *, components: int = 3
) -> FactorSolution:
    """Extract E, P, A from ``observations`` (rows = complete ratings, columns = scales).

    Raises :class:`FactorAnalysisError` with fewer than 3 scales, fewer complete ratings than
    scales + 1, or a scale nobody varied on (its correlation is undefined).
    """
    scale_count = len(scale_ids)
    if scale_count < components:
        raise FactorAnalysisError(
            f"factor analysis needs at least {components} scales, the scale file has {scale_count}; "
            "assign E/P/A in the scale file instead"
        )
    if observations.shape[0] < scale_count + 1:
        raise FactorAnalysisError(
            f"factor analysis needs at least {scale_count + 1} complete ratings, the survey has "
            f"{observations.shape[0]}; assign E/P/A in the scale file instead"
        )
    spread = observations.std(axis=0)
    constant = [scale for scale, value in zip(scale_ids, spread, strict=True) if value == 0]
    if constant:
        raise FactorAnalysisError(f"scale(s) {', '.join(constant)} have one answer only: no correlation")
    correlation = np.corrcoef(observations, rowvar=False)
    eigenvalues, eigenvectors = np.linalg.eigh(correlation)
    order = np.argsort(eigenvalues)[::-1][:components]
    unrotated = eigenvectors[:, order] * np.sqrt(np.clip(eigenvalues[order], 0, None))
    rotated = varimax(unrotated)
    # A component's sign is arbitrary: point each one so that the scales it claims load positively
    # on the whole (scale files put the "high" pole at 7, so most scales should agree).
    claimed = np.argmax(np.abs(rotated), axis=1)
    for j in range(rotated.shape[1]):
        if rotated[claimed == j, j].sum() < 0:
            rotated[:, j] *= -1
    explained = (rotated**2).sum(axis=0) / scale_count
    by_variance = np.argsort(explained)[::-1]
    rotated = rotated[:, by_variance]
    explained = explained[by_variance]
    names = FACTORS[:components]
    loadings = {
        scale: {name: round(float(rotated[i, j]), 6) for j, name in enumerate(names)}
        for i, scale in enumerate(scale_ids)
    }
    assignment: dict[str, tuple[str, int]] = {}
    for i, scale in enumerate(scale_ids):
        j = int(np.argmax(np.abs(rotated[i])))
        assignment[scale] = (names[j], 1 if rotated[i, j] >= 0 else -1)
    return FactorSolution(
        loadings=loadings,
        explained={name: round(float(explained[j]), 6) for j, name in enumerate(names)},
        assignment=assignment,
        observations=int(observations.shape[0]),
    )
