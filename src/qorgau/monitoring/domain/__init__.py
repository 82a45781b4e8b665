"""Pure monitoring logic: device protocols, geometry and rules; no I/O."""
