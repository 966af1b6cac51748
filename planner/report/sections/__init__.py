"""The report's sections, one module each: build(view) -> the part of the template context it fills."""
