"""Reports for the people who act on an evaluation: text, HTML and workbook, in Chinese
or English, for one year or several (see `model.evaluate_years` and `output.write`)."""
