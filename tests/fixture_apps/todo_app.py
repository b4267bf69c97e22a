"""To-do list fixture app: state that exists only after acting (add, toggle, edit, clear), in localStorage.

Why localStorage: every fresh browser context starts with an empty list (the verifier runs each case in a
fresh context), while a reload in the same context keeps the tasks, so persistence is observable.
Double-clicking a task's label turns its row into an "Edit task" textbox (TodoMVC's in-place edit, a
control that exists only after two actions): Enter saves the edited text, Escape cancels.
Pages: the list ("/"), settings ("/settings"), about ("/about"). Run it alone with
`python -m tests.fixture_apps.todo_app --port 8766`.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from tests.fixture_apps.common import AppHandler, AppServer, escape, serve

NAV = [("/", "Tasks"), ("/settings", "Settings"), ("/about", "About")]

STYLE = """
body { font-family: sans-serif; margin: 2rem; }
nav ul { list-style: none; display: flex; gap: 1rem; padding: 0; }
.error { color: #b00; }
li.done label { text-decoration: line-through; }
body.dark { background: #222; color: #eee; }
"""

# Shared by every page: the theme from the settings.
THEME_JS = """
const settings = JSON.parse(localStorage.getItem('settings') || '{}');
if (settings.theme === 'Dark') document.body.classList.add('dark');
"""

LIST_JS = """
const KEY = 'todos';
const load = () => JSON.parse(localStorage.getItem(KEY) || '[]');
const save = (todos) => localStorage.setItem(KEY, JSON.stringify(todos));
const list = document.getElementById('tasks');
const counter = document.getElementById('counter');
const empty = document.getElementById('empty');
const clear = document.getElementById('clear');
const error = document.getElementById('error');
const input = document.getElementById('new-task');

function refreshSummary(todos) {
  const done = todos.filter((t) => t.done).length;
  counter.textContent = `${done} of ${todos.length} done`;
  empty.hidden = todos.length > 0;
  clear.hidden = done === 0;
}

function itemFor(todo) {
  const li = document.createElement('li');
  li.dataset.id = String(todo.id);
  li.className = todo.done ? 'done' : '';
  const box = document.createElement('input');
  box.type = 'checkbox';
  box.id = `task-${todo.id}`;
  box.checked = todo.done;
  box.addEventListener('change', () => {
    const todos = load();
    const found = todos.find((t) => t.id === todo.id);
    found.done = box.checked;
    save(todos);
    li.className = box.checked ? 'done' : '';  // in place: the checkbox stays the same element
    refreshSummary(todos);
  });
  const label = document.createElement('label');
  label.htmlFor = box.id;
  label.textContent = todo.text;
  label.addEventListener('dblclick', () => edit(li, todo));
  const remove = document.createElement('button');
  remove.type = 'button';
  remove.textContent = 'Delete';
  remove.addEventListener('click', () => {
    save(load().filter((t) => t.id !== todo.id));
    render();
  });
  li.append(box, ' ', label, ' ', remove);
  return li;
}

// TodoMVC-style editing: the task's row becomes one textbox; Enter saves, Escape cancels.
function edit(li, todo) {
  const field = document.createElement('input');
  field.type = 'text';
  field.value = todo.text;
  field.setAttribute('aria-label', 'Edit task');
  field.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      const text = field.value.trim();
      const todos = load();
      const found = todos.find((t) => t.id === todo.id);
      if (text && found) { found.text = text; save(todos); }
      render();
    } else if (event.key === 'Escape') {
      render();
    }
  });
  li.replaceChildren(field);
  field.focus();
}

function render() {
  const todos = load();
  list.replaceChildren(...todos.map(itemFor));
  refreshSummary(todos);
}

document.getElementById('new-task-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = input.value.trim();
  if (!text) {
    error.textContent = 'Task cannot be empty';
    input.setAttribute('aria-invalid', 'true');
    return;
  }
  if (text.length > 100) {
    error.textContent = 'Task must be at most 100 characters';
    input.setAttribute('aria-invalid', 'true');
    return;
  }
  if (load().some((t) => t.text.toLowerCase() === text.toLowerCase())) {
    error.textContent = 'This task is already in the list';
    input.setAttribute('aria-invalid', 'true');
    return;
  }
  error.textContent = '';
  input.removeAttribute('aria-invalid');
  const todos = load();
  const id = todos.reduce((max, t) => Math.max(max, t.id), 0) + 1;
  todos.push({ id, text, done: false });
  save(todos);
  input.value = '';
  render();
});

clear.addEventListener('click', () => {
  save(load().filter((t) => !t.done));
  render();
});

const greeting = document.getElementById('greeting');
if (settings.name) { greeting.textContent = `Hello, ${settings.name}!`; greeting.hidden = false; }
render();
"""

SETTINGS_JS = """
const form = document.getElementById('settings-form');
const nameInput = document.getElementById('display-name');
const themeSelect = document.getElementById('theme');
const preview = document.getElementById('preview');
const status = document.getElementById('saved');
function showPreview(current) {
  preview.textContent = current.name ? `Greeting: Hello, ${current.name}!` : 'Greeting: not set';
}
nameInput.value = settings.name || '';
themeSelect.value = settings.theme || 'Light';
showPreview(settings);
form.addEventListener('submit', (event) => {
  event.preventDefault();
  const current = { name: nameInput.value.trim(), theme: themeSelect.value };
  localStorage.setItem('settings', JSON.stringify(current));
  document.body.classList.toggle('dark', current.theme === 'Dark');
  showPreview(current);
  status.textContent = 'Settings saved';
});
"""

ABOUT_JS = """
const toggle = document.getElementById('shortcuts-toggle');
const shortcuts = document.getElementById('shortcuts');
toggle.addEventListener('click', () => {
  const open = toggle.getAttribute('aria-expanded') !== 'true';
  toggle.setAttribute('aria-expanded', String(open));
  shortcuts.hidden = !open;
});
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') { toggle.setAttribute('aria-expanded', 'false'); shortcuts.hidden = true; }
});
"""


def layout(title: str, body: str, script: str = "") -> str:
    nav = "\n".join(f'    <li><a href="{href}">{escape(label)}</a></li>' for href, label in NAV)
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{escape(title)} — To-do</title>
  <style>{STYLE}</style>
</head>
<body>
<nav aria-label="Main">
  <ul>
{nav}
  </ul>
</nav>
<main>
{body}
</main>
<script>{THEME_JS}{script}</script>
</body>
</html>
"""


def list_page() -> str:
    return layout(
        "Tasks",
        """
<h1>Tasks</h1>
<p id="greeting" hidden></p>
<form id="new-task-form">
  <label for="new-task">New task</label>
  <input id="new-task" name="task" type="text" autocomplete="off" aria-describedby="error">
  <button type="submit">Add</button>
</form>
<p id="error" role="alert" class="error"></p>
<p id="counter" aria-live="polite">0 of 0 done</p>
<ul id="tasks"></ul>
<p id="empty">Nothing to do yet</p>
<p><button id="clear" type="button" hidden>Clear completed</button></p>
""",
        LIST_JS,
    )


def settings_page() -> str:
    return layout(
        "Settings",
        """
<h1>Settings</h1>
<form id="settings-form">
  <p><label for="display-name">Display name</label>
     <input id="display-name" name="name" type="text" required></p>
  <p><label for="theme">Theme</label>
     <select id="theme" name="theme"><option>Light</option><option>Dark</option></select></p>
  <p><button type="submit">Save settings</button></p>
</form>
<p id="saved" role="status"></p>
<p id="preview"></p>
""",
        SETTINGS_JS,
    )


def about_page() -> str:
    return layout(
        "About",
        """
<h1>About</h1>
<p>A tiny to-do list that keeps your tasks in this browser.</p>
<button id="shortcuts-toggle" type="button" aria-expanded="false" aria-controls="shortcuts">
  Show keyboard shortcuts</button>
<ul id="shortcuts" hidden>
  <li>Enter adds the task you typed</li>
  <li>Escape hides this list</li>
</ul>
""",
        ABOUT_JS,
    )


def not_found_page() -> str:
    return layout("Not found", "<h1>Page not found</h1>")


PAGES = {"/": list_page, "/settings": settings_page, "/about": about_page}


class TodoHandler(AppHandler):
    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        self.server.count("GET", path)
        page = PAGES.get(path)
        if page is None:
            self.send_body(not_found_page(), status=404)
        else:
            self.send_body(page())


def make_todo_server(port: int = 0, host: str = "127.0.0.1") -> AppServer:
    return AppServer((host, port), TodoHandler)


@contextmanager
def serve_todo_app(port: int = 0, server: AppServer | None = None) -> Iterator[str]:
    """Serve the to-do app on 127.0.0.1 in a background thread; yield its base URL.

    Pass your own `server` (from `make_todo_server`) to read its request counters afterwards.
    """
    with serve(server or make_todo_server(port), "todo-app") as base_url:
        yield base_url


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the Planwright to-do fixture app.")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    server = make_todo_server(args.port, args.host)
    print(f"To-do app on http://{args.host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
