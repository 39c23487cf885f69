"""Browser sessions stored by a hash of their key, never the key itself.

Django's database sessions keep the cookie value as the row's key, so anyone
who can read ``tatviz.sqlite3`` (a backup, a shared folder, another account
with read access) could copy a session id into a cookie and be let in, token
mode included. Here the row is keyed by SHA-256 of the cookie value: the
database proves a cookie but cannot produce one. Data in the row is signed
with the secret key as before; a signature proves nothing to a reader who
cannot write, and grants nothing without a matching cookie.
"""

import hashlib

from django.contrib.sessions.backends import db


def stored_key(session_key: str) -> str:
    """Return what the database keeps for ``session_key`` (40 hex digits)."""
    # 160 bits: the column holds 40 characters; plenty against guessing.
    return hashlib.sha256(session_key.encode("ascii")).hexdigest()[:40]


class SessionStore(db.SessionStore):
    """Database sessions whose rows are found by a hash of the cookie."""

    def _get_session_from_db(self):
        if not self._validate_session_key(self.session_key):
            self._session_key = None
            return None
        row = (
            self.model.objects.filter(
                session_key=stored_key(self.session_key),
                expire_date__gt=db.timezone.now(),
            )
            .only("session_data")
            .first()
        )
        if row is None:
            self._session_key = None
        return row

    def exists(self, session_key):
        return self.model.objects.filter(session_key=stored_key(session_key)).exists()

    def create_model_instance(self, data):
        return self.model(
            session_key=stored_key(self._get_or_create_session_key()),
            session_data=self.encode(data),
            expire_date=self.get_expiry_date(),
        )

    def delete(self, session_key=None):
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        self.model.objects.filter(session_key=stored_key(session_key)).delete()
