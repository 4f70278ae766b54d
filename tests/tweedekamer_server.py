"""The Tweede Kamer's recorded answers (tests/recordings/tweedekamer/) served by a real loopback HTTP server."""

import re
from pathlib import Path

import pytest
from werkzeug import Response

from legislation.models import Identifier

RECORDINGS = Path(__file__).parent / "recordings" / "tweedekamer"
FEED = {None: "feed-page-1.xml", "18220413": "feed-page-2.xml"}


class Gegevensmagazijn:
    """The recorded SyncFeed and OData answers, by skiptoken and by dossier number."""

    def __init__(self, server):
        self.server = server
        self.dossiers = {}
        self.feed = dict(FEED)
        # Looked up at each request, so that a test can make either answer slow or fail.
        server.expect_request("/SyncFeed/2.0/Feed").respond_with_handler(lambda request: self.feed_page(request))
        server.expect_request("/OData/v4/2.0/Kamerstukdossier").respond_with_handler(
            lambda request: self.dossier(request))

    def feed_page(self, request):
        assert request.args["category"] == "Kamerstukdossier"
        name = self.feed.get(request.args.get("skiptoken"), "feed-end.xml")
        return Response((RECORDINGS / name).read_bytes(), content_type="application/atom+xml; charset=utf-8")

    def dossier(self, request):
        if "$select" in request.args:  # who signed the feed's other dossiers
            return Response((RECORDINGS / "dossiers-signatories.json").read_bytes(), content_type="application/json")
        number = re.search(r"Nummer eq (\d+)", request.args["$filter"])[1]
        name = self.dossiers.get(number)
        body = (RECORDINGS / name).read_bytes() if name else b'{"value": []}'
        return Response(body, content_type="application/json; odata.metadata=minimal")

    def asked(self, path):
        return [request for request, _response in self.server.log if request.path == path]


@pytest.fixture
def tk(httpserver, settings):
    settings.TWEEDEKAMER_ODATA_URL = httpserver.url_for("/OData/v4/2.0")
    settings.TWEEDEKAMER_SYNCFEED_URL = httpserver.url_for("/SyncFeed/2.0")
    return Gegevensmagazijn(httpserver)


@pytest.fixture
def linked(make_bill):
    """A bill carrying the Kamerstukdossier `value`."""

    def make(value, **fields):
        bill = make_bill(**fields)
        # The seeded register links its own dossier (36546, register.yaml): here only this test's bill does.
        Identifier.objects.filter(kind="dossier", value=value).exclude(source="test").delete()
        Identifier.objects.create(bill=bill, kind="dossier", value=value, source="test")
        return bill

    return make
