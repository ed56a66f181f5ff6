package org.dspn4j.experiment.grid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The seeds syntax of repeat: ranges and lists, in the order given, each seed once. */
class SeedsTest {

    @Test
    void rangesAndListsInTheOrderGiven() {
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), Seeds.parse("--seeds", "1-6"));
        assertEquals(List.of(1L, 3L, 5L), Seeds.parse("--seeds", "1,3,5"));
        assertEquals(List.of(1L, 2L, 3L, 7L), Seeds.parse("--seeds", "1-3,7"));
        assertEquals(List.of(7L, 1L, 2L), Seeds.parse("--seeds", "7,1-2"));
        assertEquals(List.of(0L), Seeds.parse("--seeds", "0"));
        assertEquals(List.of(4L, 5L), Seeds.parse("--seeds", " 4 , 5 "));
        assertEquals(List.of(9L), Seeds.parse("--seeds", "9-9"));
    }

    @Test
    void repeatedSeedsAreRefusedNamingTheSeed() {
        for (String s : new String[] {"5,5", "1-3,2", "1-3,3-4", "2,1-2"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Seeds.parse("--seeds", s), s);
            assertTrue(e.getMessage().startsWith("--seeds: seed ") && e.getMessage().contains("twice"), e.getMessage());
        }
    }

    @Test
    void malformedSeedsAreRefusedInOneLineNamingTheOption() {
        for (String s : new String[] {"", " ", "1,,2", "1,", "a", "1-", "-1", "3-1", "1-2-3", "1.5", "1e3", "1;2", "1\n2"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Seeds.parse("--seeds", s), "'" + s + "'");
            assertTrue(e.getMessage().startsWith("--seeds: ") && !e.getMessage().contains("\n"), e.getMessage());
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Seeds.parse("--seeds", "3-1")).getMessage().contains("backwards"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Seeds.parse("--seeds", "1-100000")).getMessage()
                .contains("more than"));
    }

    @Test
    void rangesWriteSortedRunsAsSlurmArraysTakeThem() {
        assertEquals("1-6", Seeds.ranges(List.of(1L, 2L, 3L, 4L, 5L, 6L)));
        assertEquals("1-3,7", Seeds.ranges(List.of(7L, 3L, 1L, 2L)));
        assertEquals("1,3,5", Seeds.ranges(List.of(5L, 3L, 1L)));
        assertEquals("0", Seeds.ranges(List.of(0L)));
        assertEquals("", Seeds.ranges(List.of()));
        assertEquals("2-3,10-11", Seeds.ranges(List.of(11L, 2L, 10L, 3L)));
    }
}
