"""Reading data records (CSV, JSON, JSON Lines) and converting their fields exactly."""

from .convert import MISSING, FieldSpec, convert_field, parse_exemptions
from .header import HeaderProblem, check_header
from .mappings import records_from_mappings
from .read import DataError, FieldError, JsonConstant, RawRecord, Records, read_records

__all__ = [
    "MISSING",
    "DataError",
    "FieldError",
    "FieldSpec",
    "HeaderProblem",
    "JsonConstant",
    "RawRecord",
    "Records",
    "check_header",
    "convert_field",
    "parse_exemptions",
    "read_records",
    "records_from_mappings",
]
