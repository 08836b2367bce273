"""Domain exceptions raised by services; the API maps each to one HTTP status."""

from __future__ import annotations


class RegistryError(Exception):
    """Base class: `code` is machine-readable, the message says what to fix."""

    code = "registry_error"

    def __init__(self, message: str, field: str | None = None, **details):
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details

    def errors(self) -> dict:
        """Field-keyed error messages, as the API's `errors` member shows them."""
        return {self.field: [self.message]} if self.field else {}


class ValidationFailed(RegistryError):
    code = "validation_failed"

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}", field=field)
        self.reason = reason

    def errors(self) -> dict:
        return {self.field: [self.reason]}


class InvalidFields(ValidationFailed):
    """Several fields are wrong at once: every one is reported, not only the first."""

    def __init__(self, problems: list[ValidationFailed]):
        RegistryError.__init__(self, "; ".join(p.message for p in problems))
        self.problems = problems
        codes = {p.code for p in problems}
        self.code = codes.pop() if len(codes) == 1 else ValidationFailed.code

    def errors(self) -> dict:
        out: dict[str, list[str]] = {}
        for problem in self.problems:
            for field, reasons in problem.errors().items():
                out.setdefault(field, []).extend(reasons)
        return out


class InvalidGeometry(ValidationFailed):
    code = "invalid_geometry"


class InvalidAttribute(ValidationFailed):
    code = "invalid_attribute"


class InvalidCapacity(ValidationFailed):
    code = "invalid_capacity"


class NotFound(RegistryError):
    code = "not_found"


class Conflict(RegistryError):
    code = "conflict"


class DuplicateOwnerRef(Conflict):
    code = "duplicate_owner_ref"


class CapacityExhausted(Conflict):
    code = "capacity_exhausted"


class UnitUnavailable(Conflict):
    code = "unit_unavailable"


class IllegalTransition(Conflict):
    code = "illegal_transition"


class InUse(Conflict):
    code = "in_use"


class Unauthenticated(RegistryError):
    code = "unauthenticated"


class Forbidden(RegistryError):
    code = "forbidden"


class Problems:
    """Collects every field's ValidationFailed, so that one answer lists them all."""

    def __init__(self):
        self.found: list[ValidationFailed] = []

    def run(self, check, *args, default=None):
        """check(*args), or `default` after noting what was wrong with it."""
        try:
            return check(*args)
        except InvalidFields as exc:
            self.found.extend(exc.problems)
        except ValidationFailed as exc:
            self.found.append(exc)
        return default

    def add(self, problem: ValidationFailed) -> None:
        self.found.append(problem)

    def raise_any(self) -> None:
        """Raise the one problem as it is, several as InvalidFields; nothing when all is well."""
        if len(self.found) == 1:
            raise self.found[0]
        if self.found:
            raise InvalidFields(self.found)
