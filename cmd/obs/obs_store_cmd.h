/* SPDX-License-Identifier: MIT */
/* obs store: info, compact, prune, verify. */
#ifndef OBS_STORE_CMD_H
#define OBS_STORE_CMD_H

/* argv[0] is "store". Returns an exit status. */
int cmd_store(int argc, char **argv);

#endif
