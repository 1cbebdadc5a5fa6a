#ifndef XENON_XM_CONSOLE_H
#define XENON_XM_CONSOLE_H

/* Attaches this terminal to the console PTY `tty` until Ctrl-] or until
 * the domain goes. Returns xm's exit status. */
int console_attach(const char *tty);

#endif
