"""The five En väg in services and the chassis they share."""
