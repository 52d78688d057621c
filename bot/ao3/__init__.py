"""AO3 links: what a link names, a polite fetcher, work and series pages, cards."""
