"""`--format parquet` of a policy with several entities: the files one entity gets
(`duckdb_engine.ParquetWriter`), each row led by an `entity` column naming its kind of
record, since ids are unique only within an entity."""

from __future__ import annotations

import os

from .duckdb_engine import ParquetWriter


class _Led:
    """A CSV writer whose every row starts with the entity being written."""

    def __init__(self, writer):
        self.writer = writer
        self.entity = ""

    def writerow(self, row) -> None:
        self.writer.writerow([self.entity, *row])


class EntityParquetWriter(ParquetWriter):
    RECORD_COLUMNS = {"entity": "VARCHAR", **ParquetWriter.RECORD_COLUMNS}
    TARGET_COLUMNS = {"entity": "VARCHAR", **ParquetWriter.TARGET_COLUMNS}

    def __init__(self, path: str | os.PathLike[str], info, year: int, provenance: str | None = None):
        super().__init__(path, info, year, provenance)
        self._csv = _Led(self._csv)

    def write(self, result) -> None:
        """Every record and target of an `entities.EntityEvaluation`, then the files."""
        for name, ev in result.entities.items():
            self._csv.entity = name
            for r in ev.records:
                self.record(r)
        self.finish(_Targets([(name, t) for name, ev in result.entities.items() for t in ev.targets]))

    @staticmethod
    def _target_row(item) -> list[str]:
        entity, t = item
        return [entity, *ParquetWriter._target_row(t)]


class _Targets:
    """What `finish` reads of a result: its targets, here each with its entity."""

    def __init__(self, targets: list):
        self.targets = targets
