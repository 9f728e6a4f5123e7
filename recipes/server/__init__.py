"""The bundled annotation server: a Prodigy-compatible feed, REST routes and the annotation page."""
