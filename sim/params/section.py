"""The base of every scenario section: strict, closed, finite, with units on its fields, and
capacities that take one of two explicit forms (absolute, or per 1,000 members)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator


def param(default: Any, unit: str, description: str, ge: float | None = None,
          le: float | None = None, gt: float | None = None, lt: float | None = None) -> Any:
    """A schema field carrying its unit, so docs and error messages can show it."""
    return Field(default, ge=ge, le=le, gt=gt, lt=lt, description=description,
                 json_schema_extra={"unit": unit})


# Every data file (scenarios, targets, facts) is closed and strict: unknown keys, silently
# coerced types and non-finite numbers (inf, nan: no parameter or target can mean them) are errors.
DATA_CONFIG = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class Section(BaseModel):
    """Strict, closed section: unknown keys, coerced types and non-finite numbers are errors.

    A capacity (staff hours, agents, a licence) is given in one of two explicit forms: an
    absolute number, or a rate per 1,000 members that scales with the community. CAPACITIES
    pairs each absolute key with its per-size key; the schema defaults to one of them, a
    file that gives the other replaces it, and a file that gives both is refused."""

    model_config = ConfigDict(**DATA_CONFIG, validate_assignment=True)
    CAPACITIES: ClassVar[tuple[tuple[str, str], ...]] = ()

    @model_validator(mode="before")
    @classmethod
    def _one_capacity_form(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        for absolute, per_size in cls.CAPACITIES:
            if absolute in data and per_size in data and data[absolute] is not None and data[per_size] is not None:
                raise ValueError(f"give {absolute} or {per_size}, not both")
            for given, other in ((absolute, per_size), (per_size, absolute)):
                if data.get(given) is not None:
                    data = {**data, other: None}
        return data

    @model_validator(mode="after")
    def _capacity_given(self) -> Section:
        for absolute, per_size in self.CAPACITIES:
            if getattr(self, absolute) is None and getattr(self, per_size) is None:
                raise ValueError(f"give {absolute} or {per_size}")
        return self

    def __setattr__(self, name: str, value: Any) -> None:
        """Assigning one form of a capacity replaces the other."""
        for pair in self.CAPACITIES:
            if name in pair and value is not None:
                self.__dict__[pair[1 - pair.index(name)]] = None
        super().__setattr__(name, value)

    def capacity(self, absolute: str, members: int) -> float:
        """The capacity named by its absolute key, for a community of `members` members."""
        per_size = dict(self.CAPACITIES)[absolute]
        value = getattr(self, absolute)
        return float(value) if value is not None else float(getattr(self, per_size)) * members / 1000.0
