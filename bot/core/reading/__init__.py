"""Reading: the read commands' use cases (/member, /summit, /quote, /search, /fact, /source,
/about), Find sources and /timeline.

Public: ``service`` (``FactService``), ``answers``, ``findsources``, ``timeline``; modules named
``_x`` are this feature's own."""
