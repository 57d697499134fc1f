/* placeholder.c - keeps libslate non-empty until the runtime lands. */
int slate_placeholder_(void);
int slate_placeholder_(void) { return 0; }
