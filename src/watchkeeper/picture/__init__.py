"""The operational picture's questions, over the archive, the alerts and the live node.

`search` finds vessels by MMSI, IMO, name or call sign; `dossier` gathers what the node
knows of one vessel; `replay` gives the picture as it stood at a moment. Each composes
the domain packages (`tracks`, `alerts`, `detect`, `ais.identifiers`) and knows
nothing of HTTP: `watchkeeper.api.routes` serves them.
"""
