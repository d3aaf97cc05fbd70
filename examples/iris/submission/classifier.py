from sklearn.ensemble import RandomForestClassifier


class Classifier(object):
    def __init__(self):
        self.clf = RandomForestClassifier(n_estimators=10, random_state=0)

    def fit(self, X, y):
        self.clf.fit(X, y)

    def predict_proba(self, X):
        return self.clf.predict_proba(X)
