"""Usage analytics: downloads the hub serves and downloads consumer software reports, counted
apart for people and bots, folded into rollups, read as statistics (REST, matomo-compatible
reports, ``modelhub stats``)."""
