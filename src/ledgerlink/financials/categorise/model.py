"""The shipped linear model over hashed features: load and score (numpy only)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import numpy as np
import numpy.typing as npt

from ledgerlink.financials.categorise.text import HASH_BITS

Floats = npt.NDArray[np.float32]
MODEL_FILE = "model.npz"


@dataclass(frozen=True, slots=True)
class Head:
    classes: tuple[str, ...]
    weights: Floats  # (features kept, classes)
    bias: Floats


@dataclass(frozen=True, slots=True)
class LinearModel:
    """Features kept (sorted hashes) and one weight row per feature for each head."""

    keys: npt.NDArray[np.uint32]
    heads: dict[str, Head]
    lookup: npt.NDArray[np.int32] = field(init=False, repr=False)
    # every head's weights side by side (one gather scores them all), and each head's columns
    stacked: Floats = field(init=False, repr=False)
    columns: dict[str, slice] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # feature hash → row, -1 where the model has no weight for it
        lookup = np.full(1 << HASH_BITS, -1, dtype=np.int32)
        lookup[self.keys] = np.arange(len(self.keys), dtype=np.int32)
        object.__setattr__(self, "lookup", lookup)
        columns, start = {}, 0
        for name, head in self.heads.items():
            columns[name] = slice(start, start + len(head.classes))
            start += len(head.classes)
        stacked = (
            np.hstack([head.weights for head in self.heads.values()]).astype(np.float32, copy=False)
            if self.heads
            else np.zeros((len(self.keys), 0), dtype=np.float32)
        )
        object.__setattr__(self, "stacked", stacked)
        object.__setattr__(self, "columns", columns)

    def all_scores(
        self, hashes: npt.NDArray[np.uint32], offsets: list[int], *, bias: bool = True
    ) -> dict[str, Floats]:
        """`scores` of every head at once (one lookup and one gather for all of them);
        without `bias`, only what the features add."""
        n = len(offsets) - 1
        total = np.zeros((n, self.stacked.shape[1]), dtype=np.float32)
        if len(self.keys) and len(hashes):
            _segment_add(total, self.lookup[hashes], offsets, self.stacked)
        out = {}
        for name, head in self.heads.items():
            part = total[:, self.columns[name]]
            out[name] = part + head.bias[None, :] if bias else np.ascontiguousarray(part)
        return out

    def scores(self, head: str, hashes: npt.NDArray[np.uint32], offsets: list[int]) -> Floats:
        """Raw class scores for accounts whose feature hashes are concatenated."""
        part = self.heads[head]
        n = len(offsets) - 1
        out = np.tile(part.bias, (n, 1)).astype(np.float32)
        if len(self.keys) == 0 or len(hashes) == 0:
            return out
        _segment_add(out, self.lookup[hashes], offsets, part.weights)
        return out


def _segment_add(
    out: Floats, pos: npt.NDArray[np.int32], offsets: list[int], weights: Floats
) -> None:
    """Adds to each account's row the weights of its features the model has (`pos` ≥ 0)."""
    hit = pos >= 0
    # where each account's features the model has begin among them all, and end
    bounds = np.concatenate(([0], np.cumsum(hit)))[offsets]
    some = bounds[1:] > bounds[:-1]
    if some.any():
        out[some] += np.add.reduceat(weights.take(pos[hit], axis=0), bounds[:-1][some], axis=0)


def softmax(scores: Floats) -> Floats:
    shifted = scores - scores.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    result: Floats = (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
    return result


def save(model: LinearModel, target: io.BufferedIOBase | str) -> None:
    arrays: dict[str, npt.NDArray[np.generic]] = {"keys": model.keys}
    for name, head in model.heads.items():
        scale = float(np.abs(head.weights).max() or 1.0) / 127.0
        arrays[f"{name}__w"] = np.round(head.weights / scale).astype(np.int8)
        arrays[f"{name}__scale"] = np.asarray([scale], dtype=np.float32)
        arrays[f"{name}__bias"] = head.bias.astype(np.float32)
        arrays[f"{name}__classes"] = np.asarray(head.classes)
    np.savez_compressed(target, **arrays)  # type: ignore[arg-type]


def load(source: io.BufferedIOBase | str) -> LinearModel:
    with np.load(source) as data:
        names = sorted({k.split("__")[0] for k in data.files if "__" in k})
        heads = {}
        for name in names:
            scale = float(data[f"{name}__scale"][0])
            heads[name] = Head(
                classes=tuple(str(c) for c in data[f"{name}__classes"]),
                weights=(data[f"{name}__w"].astype(np.float32) * scale),
                bias=data[f"{name}__bias"].astype(np.float32),
            )
        return LinearModel(keys=data["keys"].astype(np.uint32), heads=heads)


@cache
def shipped() -> LinearModel | None:
    """The model that ships with the package, or None where it was not built."""
    path = resources.files("ledgerlink.financials.categorise").joinpath(MODEL_FILE)
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        return load(io.BytesIO(handle.read()))
