"""People registry: one register of persons that every module refers to."""
