"""Reading data records (CSV, JSON, JSON Lines) and converting their fields exactly."""

from .convert import MISSING, FieldSpec, convert_field, parse_exemptions
from .read import DataError, FieldError, JsonConstant, RawRecord, read_records

__all__ = [
    "MISSING",
    "DataError",
    "FieldError",
    "FieldSpec",
    "JsonConstant",
    "RawRecord",
    "convert_field",
    "parse_exemptions",
    "read_records",
]
