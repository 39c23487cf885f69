"""Read a page's HTML with the standard library's parser, not regular expressions."""

import json
from dataclasses import dataclass
from html.parser import HTMLParser


@dataclass
class Element:
    """One start tag: its name, attributes, and the text inside (scripts only)."""

    tag: str
    attrs: dict[str, str | None]
    text: str = ""

    def has(self, **wanted) -> bool:
        """Return whether every wanted attribute has the wanted value."""
        # http_equiv= stands for the attribute http-equiv.
        return all(self.attrs.get(k.replace("_", "-")) == v for k, v in wanted.items())


class Page(HTMLParser):
    """Every start tag of a page in order; scripts keep their text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open_script: Element | None = None

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs))
        self.elements.append(element)
        if tag == "script":
            self._open_script = element

    def handle_data(self, data):
        if self._open_script is not None:
            self._open_script.text += data

    def handle_endtag(self, tag):
        if tag == "script":
            self._open_script = None

    def find_all(self, tag: str, **wanted) -> list[Element]:
        """Return the elements named ``tag`` with the wanted attribute values."""
        return [e for e in self.elements if e.tag == tag and e.has(**wanted)]

    def find(self, tag: str, **wanted) -> Element:
        """Return the first such element (assert that there is one)."""
        found = self.find_all(tag, **wanted)
        assert found, f"no <{tag}> with {wanted}"
        return found[0]

    @property
    def scripts(self) -> list[Element]:
        """Return every <script> element."""
        return self.find_all("script")


def read_page(text: str | bytes) -> Page:
    """Return the parsed page of an HTML text (or a response's content)."""
    page = Page()
    page.feed(text.decode() if isinstance(text, bytes) else text)
    page.close()
    return page


def json_script(text: str | bytes, element_id: str):
    """Return the data of a ``json_script`` block by its id."""
    return json.loads(read_page(text).find("script", id=element_id).text)


def assert_nothing_fetched_from_elsewhere(text: str | bytes) -> None:
    """Every script, stylesheet, icon and image the page loads is the app's own.

    Checked on the parsed tags, not on the text: a random CSRF token may
    spell "cdn".
    """
    fetching = {"script", "link", "img", "iframe", "source", "embed"}
    for element in read_page(text).elements:
        if element.tag not in fetching:
            continue
        for name in ("src", "href"):
            url = element.attrs.get(name) or ""
            assert not url.startswith(("http:", "https:", "//")), (element.tag, url)
            assert "cdn" not in url.lower(), (element.tag, url)
