/*
 * slate_version.h - the version of slate, at compile time.  Included by slate.h;
 * kept apart so the compiler and CLI can name the version without the runtime API.
 */
#ifndef SLATE_VERSION_H
#define SLATE_VERSION_H

#define SLATE_VERSION "0.1.0"
#define SLATE_VERSION_NUMBER 1000 /* major*1000000 + minor*1000 + patch */

#endif
