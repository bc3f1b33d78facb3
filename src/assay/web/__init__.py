"""The browser workspace: server-rendered pages with small ES modules, no build step."""
