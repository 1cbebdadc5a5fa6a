/* Small helpers every part of Xenon uses. */
#ifndef XENON_UTIL_H
#define XENON_UTIL_H

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
