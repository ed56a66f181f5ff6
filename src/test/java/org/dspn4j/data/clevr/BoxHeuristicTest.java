package org.dspn4j.data.clevr;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class BoxHeuristicTest {

    /**
     * Real CLEVR_val_000000: the expected pixel boxes (x_min, y_min, x_max, y_max) that a third-party
     * test of the same larchen/clevr-vqa heuristic quotes to three decimals; evaluating the authors'
     * formula ({@code dspn/data.py:CLEVR.extract_bounding_boxes} at be3703b, rotation quirk included)
     * independently of this code gives the same values.
     */
    @Test
    void reproducesThePublishedBoxesOfValImageZero() throws IOException {
        Scene s = Fixtures.miniSceneList().get(0);
        double[][] expected = {
            {82.711, 81.902, 155.289, 184.486},   // large brown cylinder
            {142.634, 134.634, 253.366, 245.366}, // large gray cube
            {144.406, 92.955, 177.594, 144.103},  // small green cylinder
            {247.143, 65.143, 316.857, 134.857},  // large purple sphere
            {307.474, 165.474, 366.526, 224.526}, // small gray cube
        };
        for (int j = 0; j < expected.length; j++) {
            assertArrayEquals(expected[j], BoxHeuristic.pixelBox(s.objects().get(j), s.right(), BoxFormula.AUTHORS),
                    5e-4, "object " + j);
        }
        double[][] boxes = BoxHeuristic.encode(s, BoxFormula.AUTHORS);
        // the first object's box divided by 480 and 320, to five decimals
        assertArrayEquals(new double[] {0.17231, 0.25594, 0.32352, 0.57652}, StateVectorTest.column(boxes, 0), 5e-6);
    }

    /**
     * Fixture scene 1, worked by hand with cos θ = 0.6563112735748291, sin θ = 0.7544902563095093
     * (directions.right). Authors' rotation: x1' = x1·cos + y1·sin, y1' = x1'·(−sin) + y1·cos;
     * base s0 = 6.9·z1·(15 − y1')/2; all values below in pixels, then /480 and /320.
     */
    @Test
    void handWorkedBoxForEachShape() throws IOException {
        List<ClevrObject> objs = Fixtures.miniSceneList().get(1).objects();
        Vec3 right = Fixtures.miniSceneList().get(1).right();

        // Sphere at (1, 2, 0.7), pixel (340, 120): x1' = 2.165292, y1' = -0.321069,
        // s0 = 6.9·0.7·15.321069/2 = 37.000381 on all four sides.
        assertArrayEquals(new double[] {302.99961897675723, 82.99961897675726, 377.00038102324277, 157.00038102324274},
                BoxHeuristic.pixelBox(objs.get(0), right, BoxFormula.AUTHORS), 1e-9);

        // Cube at (-2, 1, 0.35), pixel (217, 106): x1' = -0.558132, y1' = 1.077417,
        // s0 = 6.9·0.35·13.922583/2 = 16.811519; every side = s0·1.3·10/(10 + y1') = 19.729307.
        assertArrayEquals(new double[] {197.27069348707846, 86.27069348707846, 236.72930651292154, 125.72930651292154},
                BoxHeuristic.pixelBox(objs.get(1), right, BoxFormula.AUTHORS), 1e-9);

        // Cylinder at (0.5, -2.5, 0.7), pixel (151, 180): x1' = -1.558070, y1' = -0.465230, s0 = 37.348529;
        // d = 9.4 + y1' = 8.934770, h = 6.4, s = 0.7:
        //   up    = s0·s(h/d + 1)/(s(h/d + 1) − s(h − s)/d) = 59.444189
        //   down  = up·(h − s + d)/(h + s + d)               = 54.254101
        //   left  = right = s0·11/(10 + y1')                 = 43.087961
        assertArrayEquals(new double[] {107.91203915560206, 125.74589863249838, 194.08796084439794, 239.4441889609153},
                BoxHeuristic.pixelBox(objs.get(2), right, BoxFormula.AUTHORS), 1e-9);

        // Corrected rotation, y1' = x1·(−sin) + y1·cos: sphere y1' = 0.558132, s0 = 34.877110.
        assertArrayEquals(new double[] {305.1228900763326, 85.12289007633261, 374.8771099236674, 154.87710992366738},
                BoxHeuristic.pixelBox(objs.get(0), right, BoxFormula.CORRECTED), 1e-9);
        // Cylinder y1' = -2.018023: up 70.084206, down 63.309034, left = right 56.638073.
        assertArrayEquals(new double[] {94.36192659248978, 116.6909658787407, 207.6380734075102, 250.08420642847767},
                BoxHeuristic.pixelBox(objs.get(2), right, BoxFormula.CORRECTED), 1e-9);
    }

    @Test
    void encodeIsChannelsFirstNormalisedAndPadded() throws IOException {
        Scene s = Fixtures.miniSceneList().get(1);
        double[][] b = BoxHeuristic.encode(s, BoxFormula.AUTHORS);
        assertEquals(4, b.length);
        assertEquals(10, b[0].length);
        // cube: x_min/480, y_min/320, x_max/480, y_max/320
        assertArrayEquals(new double[] {0.41098061143141346, 0.26959591714712017, 0.4931860552352532, 0.3929040828528798},
                StateVectorTest.column(b, 1), 1e-15);
        for (int j = 3; j < 10; j++) {
            assertArrayEquals(new double[4], StateVectorTest.column(b, j), 0);
        }
        assertNotEquals(b[1][2], BoxHeuristic.encode(s, BoxFormula.CORRECTED)[1][2]);
    }

    @Test
    void boxesAreNotClipped() {
        ClevrObject edge = new ClevrObject(new Vec3(2.9, -2.9, 0.7), new Vec3(5, 318, 8), 0,
                Shape.SPHERE, Color.RED, Material.RUBBER, Size.LARGE);
        double[] box = BoxHeuristic.pixelBox(edge, new Vec3(0.6563112735748291, 0.7544902563095093, 0), BoxFormula.AUTHORS);
        assertEquals(true, box[0] < 0 && box[3] > 320, java.util.Arrays.toString(box));
    }
}
