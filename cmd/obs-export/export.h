/* SPDX-License-Identifier: MIT */
/* obs-export: the commands behind the dispatch table in main.c. */
#ifndef OBS_EXPORT_H
#define OBS_EXPORT_H

/* Each returns an exit status; argv[0] is the command name. */
int cmd_serve(int argc, char **argv);

#endif
