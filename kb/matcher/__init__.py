"""The knowledge base's matcher as pure functions, with no Django: text in, ranked
articles out. ``text`` normalises and transliterates, ``terms`` turns words into Russian
lemmas and English stems, ``index`` builds the vectors of a set of articles and ranks
them for a question. ``kb.services.matching`` keeps one index per process."""
