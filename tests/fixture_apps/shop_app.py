"""Shop fixture app: catalogue search, cart counter, quantities, a checkout form with validation, a
confirmation page, a hover menu, and two things an explorer must never do ("Log out", "Pay now").

State lives on the server per session cookie, so each fresh browser context starts with an empty cart
(as the verifier's fresh contexts do) while a reload keeps it. The server counts every request, so tests
can prove from its side that "Pay now" (POST /pay) and "Log out" (GET /logout) were never used.
Run it alone with `python -m tests.fixture_apps.shop_app --port 8767`.
"""

from __future__ import annotations

import argparse
import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, quote, urlsplit

from tests.fixture_apps.common import AppHandler, AppServer, escape, serve

SESSION_COOKIE = "shop_session"
FIRST_ORDER_NUMBER = 1001
COUNTRIES = ["Germany", "France", "Japan"]


@dataclass(frozen=True)
class Product:
    slug: str
    name: str
    category: str
    price_cents: int
    description: str


PRODUCTS = [
    Product("red-mug", "Red mug", "mugs", 1200, "A bright red mug that holds 300 ml."),
    Product("blue-mug", "Blue mug", "mugs", 1400, "A calm blue mug that holds 350 ml."),
    Product("green-teapot", "Green teapot", "teapots", 3500, "A green teapot for four cups."),
]
BY_SLUG = {product.slug: product for product in PRODUCTS}
CATEGORIES = [("mugs", "Mugs"), ("teapots", "Teapots")]


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def money(cents: int) -> str:
    return f"${cents // 100}.{cents % 100:02d}"


@dataclass
class Session:
    cart: dict[str, int] = field(default_factory=dict)  # slug -> quantity, in insertion order
    orders: int = 0

    def items(self) -> int:
        return sum(self.cart.values())


STYLE = """
body { font-family: sans-serif; margin: 2rem; }
header nav > ul { list-style: none; display: flex; gap: 1.5rem; padding: 0; margin: 0; }
.menu { position: relative; }
.submenu { display: none; position: absolute; top: 100%; left: 0; list-style: none; margin: 0;
           padding: .5rem; background: #fff; border: 1px solid #ccc; min-width: 8rem; }
.menu:hover .submenu, .menu:focus-within .submenu { display: block; }
.error { color: #b00; }
ul.products { list-style: none; padding: 0; }
"""

CART_JS = """
for (const button of document.querySelectorAll('button[data-add]')) {
  button.addEventListener('click', async () => {
    const response = await fetch('/api/cart', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ slug: button.dataset.add }),
    });
    const data = await response.json();
    document.getElementById('cart-link').textContent = `Cart (${data.items})`;
    document.getElementById('notice').textContent = `${data.name} added to your cart`;
  });
}
"""

CHECKOUT_JS = """
const email = document.getElementById('email');
const emailError = document.getElementById('email-error');
email.addEventListener('blur', () => {
  const bad = email.value !== '' && !email.checkValidity();
  emailError.textContent = bad ? 'Enter a valid email address' : '';
  if (bad) email.setAttribute('aria-invalid', 'true'); else email.removeAttribute('aria-invalid');
});
"""


def layout(title: str, body: str, session: Session, script: str = "") -> str:
    categories = "\n".join(
        f'          <li><a href="/?category={slug}">{escape(label)}</a></li>' for slug, label in CATEGORIES
    )
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{escape(title)} — Mug Shop</title>
  <style>{STYLE}</style>
</head>
<body>
<header>
  <nav aria-label="Main">
    <ul>
      <li><a href="/">Catalogue</a></li>
      <li class="menu">
        <button type="button" aria-haspopup="true">Categories</button>
        <ul class="submenu">
{categories}
        </ul>
      </li>
      <li><a id="cart-link" href="/cart">Cart ({session.items()})</a></li>
      <li><a href="/checkout">Checkout</a></li>
      <li><a href="/about">About</a></li>
      <li><a href="/logout">Log out</a></li>
    </ul>
  </nav>
  <p>Signed in as guest</p>
</header>
<main>
{body}
</main>
<script>{script}</script>
</body>
</html>
"""


def catalogue_page(session: Session, query: str | None, category: str | None) -> str:
    products = PRODUCTS
    heading = "Catalogue"
    if category:
        products = [p for p in products if p.category == category]
        heading = dict(CATEGORIES).get(category, "Catalogue")
    summary = plural(len(products), "product")
    if query is not None and query.strip():
        needle = query.strip().casefold()
        products = [p for p in products if needle in p.name.casefold()]
        summary = (
            f"{plural(len(products), 'product')} found for “{query.strip()}”"
            if products
            else f"No products found for “{query.strip()}”"
        )
    cards = "\n".join(
        f"""  <li>
    <a href="/product/{p.slug}">{escape(p.name)}</a> — <span>{money(p.price_cents)}</span>
    <button type="button" data-add="{p.slug}" data-testid="add-{p.slug}">Add to cart</button>
  </li>"""
        for p in products
    )
    return layout(
        heading,
        f"""
<h1>{escape(heading)}</h1>
<form method="get" action="/" role="search">
  <label for="q">Search products</label>
  <input id="q" name="q" type="search" value="{escape(query or "")}">
  <button type="submit">Search</button>
</form>
<p id="summary">{escape(summary)}</p>
<p id="notice" role="status"></p>
<ul class="products">
{cards}
</ul>
""",
        session,
        CART_JS,
    )


def product_page(session: Session, product: Product, added: int | None) -> str:
    notice = f'<p role="status">Added {added} × {escape(product.name)} to your cart</p>' if added else ""
    return layout(
        product.name,
        f"""
<h1>{escape(product.name)}</h1>
<p>{escape(product.description)}</p>
<p>Price: {money(product.price_cents)}</p>
{notice}
<form method="post" action="/cart/add">
  <input type="hidden" name="slug" value="{product.slug}">
  <label for="quantity">Quantity</label>
  <input id="quantity" name="quantity" type="number" min="1" max="10" value="1" required>
  <button type="submit">Add to cart</button>
</form>
<p><a href="/">Back to catalogue</a></p>
""",
        session,
    )


def cart_page(session: Session) -> str:
    pay = """
<form method="post" action="/pay">
  <button type="submit">Pay now</button>
</form>"""
    if not session.cart:
        return layout(
            "Your cart",
            f"""
<h1>Your cart</h1>
<p>Your cart is empty</p>
<p><a href="/">Continue shopping</a></p>
{pay}
""",
            session,
        )
    rows = []
    total = 0
    for slug, quantity in session.cart.items():
        product = BY_SLUG[slug]
        total += product.price_cents * quantity
        rows.append(f"""    <tr>
      <td>{escape(product.name)}</td>
      <td><label for="qty-{slug}">Quantity for {escape(product.name)}</label>
          <input id="qty-{slug}" name="qty-{slug}" type="number" min="1" max="10" value="{quantity}"
                 form="update-cart"></td>
      <td>{money(product.price_cents * quantity)}</td>
      <td><form method="post" action="/cart/remove"><input type="hidden" name="slug" value="{slug}">
          <button type="submit">Remove</button></form></td>
    </tr>""")
    body = "\n".join(rows)
    return layout(
        "Your cart",
        f"""
<h1>Your cart</h1>
<table>
  <thead><tr><th>Product</th><th>Quantity</th><th>Subtotal</th><th></th></tr></thead>
  <tbody>
{body}
  </tbody>
</table>
<form id="update-cart" method="post" action="/cart/update">
  <button type="submit">Update cart</button>
</form>
<p id="total">Total: {money(total)}</p>
<p><a href="/checkout">Proceed to checkout</a></p>
{pay}
""",
        session,
    )


def checkout_page(
    session: Session, errors: list[str] | None = None, values: dict[str, str] | None = None
) -> str:
    values = values or {}
    alert = ""
    if errors:
        items = "".join(f"<li>{escape(error)}</li>" for error in errors)
        alert = f'<div role="alert" class="error"><ul>{items}</ul></div>'
    options = "".join(
        f"<option{' selected' if values.get('country') == country else ''}>{country}</option>"
        for country in COUNTRIES
    )
    return layout(
        "Checkout",
        f"""
<h1>Checkout</h1>
<p>Items in your cart: {session.items()}</p>
{alert}
<form method="post" action="/checkout">
  <p><label for="name">Full name</label>
     <input id="name" name="name" type="text" required value="{escape(values.get("name", ""))}"></p>
  <p><label for="email">Email</label>
     <input id="email" name="email" type="email" required value="{escape(values.get("email", ""))}"
            aria-describedby="email-error">
     <span id="email-error" role="alert" class="error"></span></p>
  <p><label for="country">Country</label>
     <select id="country" name="country" required>
       <option value="">Choose a country</option>{options}
     </select></p>
  <p><label><input type="checkbox" name="terms" required> I accept the terms and conditions</label></p>
  <p><button type="submit">Place order</button></p>
</form>
""",
        session,
        CHECKOUT_JS,
    )


def order_page(session: Session, number: int, name: str, email: str, country: str) -> str:
    return layout(
        "Order confirmed",
        f"""
<h1>Thank you for your order</h1>
<p>Order number {number}</p>
<p>Thank you, {escape(name)}! We sent a confirmation to {escape(email)}.</p>
<p>Shipping to {escape(country)}</p>
<form method="post" action="/pay">
  <button type="submit">Pay now</button>
</form>
<p><a href="/">Continue shopping</a></p>
""",
        session,
    )


def about_page(session: Session) -> str:
    return layout(
        "About",
        """
<h1>About the shop</h1>
<p>We sell mugs and teapots. Orders ship within three days.</p>
""",
        session,
    )


def not_found_page(session: Session) -> str:
    return layout("Not found", "<h1>Page not found</h1>", session)


class ShopServer(AppServer):
    """The shop's sessions live here, keyed by the session cookie."""

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, ShopHandler)
        self.sessions: dict[str, Session] = {}
        self.sessions_lock = threading.Lock()
        self.orders: dict[tuple[str, int], tuple[str, str, str]] = {}


class ShopHandler(AppHandler):
    server: ShopServer

    # ------------------------------------------------------------ sessions

    def session(self) -> tuple[Session, dict[str, str]]:
        """This browser's session, created on first sight (with the cookie to set)."""
        cookie = SimpleCookie(self.headers.get("Cookie", ""))
        morsel = cookie.get(SESSION_COOKIE)
        with self.server.sessions_lock:
            if morsel is not None and morsel.value in self.server.sessions:
                self.session_id = morsel.value
                return self.server.sessions[morsel.value], {}
            session_id = secrets.token_hex(8)
            self.server.sessions[session_id] = Session()
            self.session_id = session_id
        return self.server.sessions[session_id], {
            "Set-Cookie": f"{SESSION_COOKIE}={session_id}; Path=/; HttpOnly; SameSite=Lax"
        }

    def read_form(self) -> dict[str, str]:
        return {key: values[0] for key, values in parse_qs(self.read_body(), keep_blank_values=True).items()}

    # ------------------------------------------------------------ routes

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        path = parts.path
        self.server.count("GET", path)
        session, cookie = self.session()
        query = {key: values[0] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
        if path == "/":
            self.send_body(catalogue_page(session, query.get("q"), query.get("category")), headers=cookie)
        elif path.startswith("/product/") and path.removeprefix("/product/") in BY_SLUG:
            added = query.get("added")
            product = BY_SLUG[path.removeprefix("/product/")]
            self.send_body(
                product_page(session, product, int(added) if added and added.isdigit() else None),
                headers=cookie,
            )
        elif path == "/cart":
            self.send_body(cart_page(session), headers=cookie)
        elif path == "/checkout":
            self.send_body(checkout_page(session), headers=cookie)
        elif path.startswith("/order/") and path.removeprefix("/order/").isdigit():
            number = int(path.removeprefix("/order/"))
            order = self.server.orders.get((self.session_id, number))
            if order is None:
                self.send_body(not_found_page(session), status=404, headers=cookie)
            else:
                self.send_body(order_page(session, number, *order), headers=cookie)
        elif path == "/about":
            self.send_body(about_page(session), headers=cookie)
        elif path == "/logout":
            with self.server.sessions_lock:
                self.server.sessions.pop(getattr(self, "session_id", ""), None)
            self.redirect("/", {"Set-Cookie": f"{SESSION_COOKIE}=; Path=/; Max-Age=0"})
        else:
            self.send_body(not_found_page(session), status=404, headers=cookie)

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        self.server.count("POST", path)
        session, cookie = self.session()
        if path == "/api/cart":
            payload = json.loads(self.read_body() or "{}")
            product = BY_SLUG.get(str(payload.get("slug")))
            if product is None:
                self.send_body('{"error": "unknown product"}', 404, "application/json", cookie)
                return
            session.cart[product.slug] = session.cart.get(product.slug, 0) + 1
            body = json.dumps({"items": session.items(), "name": product.name})
            self.send_body(body, content_type="application/json", headers=cookie)
            return
        form = self.read_form()
        if path == "/cart/add":
            product = BY_SLUG.get(form.get("slug", ""))
            quantity = int(form["quantity"]) if form.get("quantity", "").isdigit() else 0
            if product is None or not 1 <= quantity <= 10:
                self.redirect("/cart", cookie)
                return
            session.cart[product.slug] = min(10, session.cart.get(product.slug, 0) + quantity)
            self.redirect(f"/product/{product.slug}?added={quantity}", cookie)
        elif path == "/cart/update":
            for slug in list(session.cart):
                value = form.get(f"qty-{slug}", "")
                if value.isdigit() and 1 <= int(value) <= 10:
                    session.cart[slug] = int(value)
            self.redirect("/cart", cookie)
        elif path == "/cart/remove":
            session.cart.pop(form.get("slug", ""), None)
            self.redirect("/cart", cookie)
        elif path == "/checkout":
            self.checkout(session, form, cookie)
        elif path == "/pay":
            self.redirect("/cart", cookie)  # counted above: tests assert it never happens
        else:
            self.send_body(not_found_page(session), status=404, headers=cookie)

    def checkout(self, session: Session, form: dict[str, str], cookie: dict[str, str]) -> None:
        name, email = form.get("name", "").strip(), form.get("email", "").strip()
        country, terms = form.get("country", ""), form.get("terms")
        errors = []
        if not name:
            errors.append("Full name is required")
        if "@" not in email:
            errors.append("Enter a valid email address")
        if country not in COUNTRIES:
            errors.append("Choose a country")
        if not terms:
            errors.append("Accept the terms and conditions")
        if errors:
            self.send_body(checkout_page(session, errors, form), status=422, headers=cookie)
            return
        number = FIRST_ORDER_NUMBER + session.orders
        session.orders += 1
        session.cart.clear()
        self.server.orders[(self.session_id, number)] = (name, email, country)
        self.redirect(f"/order/{quote(str(number))}", cookie)


def make_shop_server(port: int = 0, host: str = "127.0.0.1") -> ShopServer:
    return ShopServer((host, port))


@contextmanager
def serve_shop_app(port: int = 0, server: ShopServer | None = None) -> Iterator[str]:
    """Serve the shop on 127.0.0.1 in a background thread; yield its base URL.

    Pass your own `server` (from `make_shop_server`) to read its request counters afterwards.
    """
    with serve(server or make_shop_server(port), "shop-app") as base_url:
        yield base_url


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the Planwright shop fixture app.")
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    server = make_shop_server(args.port, args.host)
    print(f"Shop app on http://{args.host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
