"""Category suggestion (智能分拨): top categories and an urgent flag from a caller's Chinese text.

model.py (pure: character n-grams + naive Bayes), corpus.py (the packaged training text),
services.py (the model of this runtime: packaged corpus + acceptors' corrections, cached per worker),
ports.py / tables.py / store.py (corrections kept as training data)."""
