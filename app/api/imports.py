"""/api/v1/imports: case imports."""
