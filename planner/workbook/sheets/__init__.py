"""The rules of each input sheet, one module each: a found table (or grid) in, typed rows, names and cell references out.

Nothing is kept between sheets except what a function returns: the names a sheet holds travel
to the sheets that refer to them as :class:`planner.workbook.cells.Names`.
"""
