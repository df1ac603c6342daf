"""Migration of a return from one template version into the next (``bcf-xl migrate``).

The version-to-version map is data (templates/migrations/<source>_to_<target>.yaml), checked
against both specs when it is loaded (mapping.py); the migration carries what maps into a
fresh template of the target version for the same board (transform.py, workbook.py), records
where it came from (provenance.py), reports one line per field (report.py) and validates the
result (run.py).
"""
