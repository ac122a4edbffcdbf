/* The staking suite's small committed state (tests/unit/staking/fixture.c), built into this
 * suite too: governance weighs votes by that stake. One copy of the code, two binaries. */
#include "tests/unit/staking/fixture.c"
