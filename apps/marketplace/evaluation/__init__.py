"""The matching evaluation set (data: advisors.json, needs.json) and its loader and metrics
(dataset.py). The data is written apart from the matcher, its topics and its vocabulary
labels; only the specialty keys tie a need to the advisors that are right for it."""
