package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The reading path resolves: every reference the documentation (README.md, docs/*.md, golden/README.md) makes to
 * a file, a heading, a class, a method, an option or the authors' code names something that exists, and neither
 * the documentation nor the sources cite a document the repository does not hold.
 *
 * <p>The checks are narrow on purpose, so that a failure is a broken reference and not a guess: a backticked
 * {@code Class} alone is checked only when it names a test class (…Test, …Properties, …Contract), since most bare
 * CamelCase names in the docs are the JDK's or PyTorch's; {@code Class.member} only when {@code Class} is one of
 * ours; a path only when its first folder is one of the repository's. The authors' repository
 * (github.com/Cyanogenoid/dspn at be3703b) is known by the list of its files and the names each of its modules
 * defines ({@link #AUTHORS}), not by its code.
 */
class DocsReferencesAuditTest {

    /**
     * The authors' repository at be3703b: every {@code .py} and {@code .sh} file, each with the classes and
     * functions its module defines ({@code Class.method}; a nested function as {@code outer.inner}), or null
     * where only the file's existence is checked.
     */
    static final Map<String, Set<String>> AUTHORS = authors(
            "dspn.py", "DSPN DSPN.__init__ DSPN.forward",
            "dspn/Object-Detection-Metrics-State/_init_paths.py", null,
            "dspn/Object-Detection-Metrics-State/lib/BoundingBox.py", null,
            "dspn/Object-Detection-Metrics-State/lib/BoundingBoxes.py", null,
            "dspn/Object-Detection-Metrics-State/lib/Evaluator.py", "Evaluator Evaluator.GetPascalVOCMetrics "
                    + "Evaluator.PlotPrecisionRecallCurve Evaluator.CalculateAveragePrecision "
                    + "Evaluator.ElevenPointInterpolatedAP Evaluator._getAllIOUs Evaluator.iou "
                    + "Evaluator._boxesIntersect "
                    + "Evaluator._getIntersectionArea Evaluator._getUnionAreas Evaluator._getArea",
            "dspn/Object-Detection-Metrics-State/lib/__init__.py", null,
            "dspn/Object-Detection-Metrics-State/lib/utils.py", null,
            "dspn/Object-Detection-Metrics-State/pascalvoc.py", "take ValidateFormats ValidateMandatoryArgs "
                    + "ValidateImageSize ValidateCoordinatesTypes ValidatePaths getBoundingBoxes",
            "dspn/Object-Detection-Metrics-State/samples/sample_1/_init_paths.py", null,
            "dspn/Object-Detection-Metrics-State/samples/sample_1/sample_1.py", null,
            "dspn/Object-Detection-Metrics-State/samples/sample_2/_init_paths.py", null,
            "dspn/Object-Detection-Metrics-State/samples/sample_2/sample_2.py", null,
            "dspn/Object-Detection-Metrics/_init_paths.py", null,
            "dspn/Object-Detection-Metrics/lib/BoundingBox.py", null,
            "dspn/Object-Detection-Metrics/lib/BoundingBoxes.py", null,
            "dspn/Object-Detection-Metrics/lib/Evaluator.py", "Evaluator Evaluator.GetPascalVOCMetrics "
                    + "Evaluator.PlotPrecisionRecallCurve Evaluator.CalculateAveragePrecision "
                    + "Evaluator.ElevenPointInterpolatedAP Evaluator._getAllIOUs Evaluator.iou "
                    + "Evaluator._boxesIntersect "
                    + "Evaluator._getIntersectionArea Evaluator._getUnionAreas Evaluator._getArea",
            "dspn/Object-Detection-Metrics/lib/__init__.py", null,
            "dspn/Object-Detection-Metrics/lib/utils.py", null,
            "dspn/Object-Detection-Metrics/pascalvoc.py", "ValidateFormats ValidateMandatoryArgs ValidateImageSize "
                    + "ValidateCoordinatesTypes ValidatePaths getBoundingBoxes",
            "dspn/Object-Detection-Metrics/samples/sample_1/_init_paths.py", null,
            "dspn/Object-Detection-Metrics/samples/sample_1/sample_1.py", null,
            "dspn/Object-Detection-Metrics/samples/sample_2/_init_paths.py", null,
            "dspn/Object-Detection-Metrics/samples/sample_2/sample_2.py", null,
            "dspn/data.py", "get_loader MNISTSet MNISTSet.__init__ MNISTSet.cache MNISTSet.image_to_set "
                    + "MNISTSet.__getitem__ MNISTSet.__len__ CLEVR CLEVR.__init__ CLEVR.object_to_fv "
                    + "CLEVR.prepare_scenes CLEVR.extract_bounding_boxes CLEVR.images_folder CLEVR.scenes_path "
                    + "CLEVR.img_db CLEVR.load_image "
                    + "CLEVR.__getitem__ CLEVR.__len__",
            "dspn/dspn.py", "DSPN DSPN.__init__ DSPN.forward",
            "dspn/fspool.py", "FSPool FSPool.__init__ FSPool.reset_parameters FSPool.forward FSPool.forward_transpose "
                    + "FSPool.determine_weight fill_sizes deterministic_sort cont_sort",
            "dspn/model.py", "build_net Net Net.__init__ Net.forward ConvEncoder ConvEncoder.__init__ "
                    + "ConvEncoder.forward "
                    + "FSEncoder FSEncoder.__init__ FSEncoder.forward FSEncoderSized FSEncoderSized.__init__ "
                    + "FSEncoderSized.forward RNFSEncoder RNFSEncoder.__init__ RNFSEncoder.forward MLPDecoder "
                    + "MLPDecoder.__init__ MLPDecoder.forward RNNDecoder RNNDecoder.__init__ RNNDecoder.forward",
            "dspn/plot-box-progress.py", "load_file",
            "dspn/plot-mnist-progress.py", "load_file",
            "dspn/plot-state-progress.py", "take load_file",
            "dspn/preprocess-images.py", "CLEVR_Images CLEVR_Images.__init__ CLEVR_Images._find_images "
                    + "CLEVR_Images.__getitem__ CLEVR_Images.__len__ create_coco_loader main",
            "dspn/scripts/all-eval-jobs.sh", null,
            "dspn/scripts/all-jobs.sh", null,
            "dspn/scripts/clevr.sh", null,
            "dspn/scripts/eval-box-model.sh", null,
            "dspn/scripts/eval-box.sh", null,
            "dspn/scripts/eval-clevr.sh", null,
            "dspn/scripts/eval-state-model.sh", null,
            "dspn/scripts/eval-state.sh", null,
            "dspn/scripts/mnist.sh", null,
            "dspn/summarise.py", "",
            "dspn/track.py", "Tracker Tracker.__init__ Tracker.new_epoch Tracker.update Identity Identity.__init__ "
                    + "Identity.update Identity.reset Mean Mean.__init__ Mean.reset Mean.update ExpMean "
                    + "ExpMean.__init__ "
                    + "ExpMean.reset ExpMean.update",
            "dspn/train.py", "main main.run",
            "dspn/utils.py", "hungarian_loss hungarian_loss_per_sample chamfer_loss scatter_masked outer",
            "dspn/view-state.py", "take");

    /** The options of the authors' {@code dspn/train.py:main} (argparse), which the docs quote as theirs. */
    static final Set<String> AUTHORS_OPTIONS = Set.of("--baseline", "--batch-size", "--dataset", "--decoder", "--dim",
            "--encoder", "--epochs", "--eval-only", "--export-dir", "--export-n", "--export-progress", "--full-eval",
            "--huber-repr", "--inner-lr", "--iters", "--latent", "--loss", "--lr", "--mask-feature", "--multi-gpu",
            "--name", "--no-cuda", "--num-workers", "--resume", "--show", "--supervised", "--train-only");

    /** Options of other programs the docs quote: the JVM's and sbatch's. */
    static final Set<String> OTHER_OPTIONS = Set.of("--add-modules", "--array", "--chdir", "--error", "--output",
            "--parsable", "--wrap", "--cpus-per-task");

    /** Names that look like ours but are not: PyTorch's {@code nn} module (the authors' code) beside our package. */
    static final Set<String> NOT_OURS = Set.of("nn.Sequential", "nn.Module", "nn.Linear", "nn.Conv1d", "nn.Conv2d",
            "nn.LSTM", "nn.BatchNorm2d");

    /**
     * A numbered section (the section sign) of a specification the repository does not hold: the paper and its
     * appendix are cited by their own sections.
     */
    static final Pattern SPEC_SECTION = Pattern.compile("\\bspec(ification)?\\s*§");

    /** A Markdown or text file named in a page or a main source: one of the repository's, or one the commands write. */
    static final Pattern TEXT_FILE = Pattern.compile("(?<![\\w./-])([\\w./-]*[\\w-]\\.(?:md|txt))\\b");

    /** Files the commands and scripts write, named in the docs as outputs, not as documents to read. */
    static final Set<String> OUTPUT_NAMES = Set.of("table4.md", "fig.md", "states.md", "cp.txt", "bench-classpath.txt",
            "results.txt", "weights.txt");

    /**
     * A relative path that climbs out of a page's folder into another folder: that folder must be the repository's
     * (a bare {@code ../x.png} is an example of a bad input, as in input-limits.md, not a reference).
     */
    static final Pattern PARENT_PATH = Pattern.compile("(?<![\\w./])((?:\\.\\./)+)([\\w.-]+)/");

    /** A page of docs/ named anywhere: it must be there. */
    static final Pattern DOCS_PAGE = Pattern.compile("(?<![\\w./-])(docs/[\\w-]+\\.md)\\b");

    static final Path ROOT = Path.of("").toAbsolutePath();

    // ================================================================================ the checks

    @Test
    void markdownLinksResolveToFilesAndHeadings() {
        List<String> problems = new ArrayList<>();
        for (Path doc : docs()) {
            problems.addAll(brokenLinks(doc, proseLines(doc)));
        }
        assertNone(problems);
    }

    @Test
    void quotedSectionsOfDocumentsExist() {
        List<String> problems = new ArrayList<>();
        for (Path doc : docs()) {
            problems.addAll(missingQuotedSections(doc, String.join("\n", proseLines(doc))));
        }
        for (Path src : sources()) {
            if (src.toString().endsWith(".java") && read(src).contains(".md")) {
                problems.addAll(missingQuotedSections(src, javaComments(read(src))));
            }
        }
        assertNone(problems);
    }

    @Test
    void backtickedClassesMethodsAndPathsExist() {
        Classes classes = Classes.scan();
        List<String> problems = new ArrayList<>();
        for (Path doc : docs()) {
            problems.addAll(brokenCodeReferences(doc, proseLines(doc), classes));
        }
        assertNone(problems);
    }

    @Test
    void architectureTableNamesClassesOfEachPackage() {
        Path doc = ROOT.resolve("docs/architecture.md");
        assertNone(misplacedClasses(doc, proseLines(doc), Classes.scan()));
    }

    @Test
    void backtickedOptionsAreOptionsOfACommand() {
        Map<String, Set<String>> options = dspn4jOptions();
        List<String> problems = new ArrayList<>();
        for (Path doc : docs()) {
            problems.addAll(unknownOptions(doc, proseLines(doc), options));
            problems.addAll(unknownCommandOptions(doc, read(doc).lines().collect(Collectors.toList()), options));
        }
        assertNone(problems);
    }

    @Test
    void citationsOfTheAuthorsCodeNameTheirFilesAndFunctions() {
        List<String> problems = new ArrayList<>();
        for (Path doc : docs()) {
            problems.addAll(brokenAuthorsCitations(doc, read(doc)));
        }
        for (Path src : sources()) {
            problems.addAll(brokenAuthorsCitations(src, read(src)));
        }
        assertNone(problems);
    }

    @Test
    void sectionNumbersOfReferenceBehaviourExist() {
        Set<String> sections = numberedSections(ROOT.resolve("docs/reference-behaviour.md"));
        assertTrue(sections.size() >= 9, sections.toString());
        List<String> problems = new ArrayList<>();
        for (Path doc : docs()) {
            problems.addAll(missingSections(doc, read(doc), sections));
        }
        for (Path src : sources()) {
            problems.addAll(missingSections(src, read(src), sections));
        }
        assertNone(problems);
    }

    @Test
    void noDocumentOutsideTheRepositoryIsCited() {
        List<String> problems = new ArrayList<>();
        List<Path> all = new ArrayList<>(docs());
        all.addAll(sources());
        for (Path f : all) {
            problems.addAll(documentsNotInTheRepository(f, read(f)));
        }
        assertNone(problems);
    }

    /** The checks find what they are for: each is given a broken reference of its kind. */
    @Test
    void eachCheckFindsABrokenReference() {
        Path doc = ROOT.resolve("docs/algorithm.md");
        Classes classes = Classes.scan();
        List<String> broken = List.of(
                "[x](reference-behaviour.md#2-the-outer-loop) [y](missing.md)",
                "`set.FSPol`, `Dspn.decodes`, `loss/ChamferLoss.perSteps`, `PermutationVariantContract`,"
                        + " `src/test/java/org/dspn4j/set/NoSuchContract`, `org.dspn4j.sets`",
                "`--inner-steps keeps`, `--no-such-option`");
        assertEquals(2, brokenLinks(doc, broken).size(), brokenLinks(doc, broken).toString());
        assertEquals(6, brokenCodeReferences(doc, broken, classes).size(),
                brokenCodeReferences(doc, broken, classes).toString());
        assertEquals(2, unknownOptions(doc, broken, dspn4jOptions()).size(),
                unknownOptions(doc, broken, dspn4jOptions()).toString());
        assertEquals(1, unknownCommandOptions(doc, List.of("```bash", "./dspn4j train mnist --stepz 3 # --no-such",
                "```", "./dspn4j train mnist --not-in-a-block"), dspn4jOptions()).size());
        assertEquals(0, brokenLinks(doc, List.of("[a](gpu.md#running-it) [b](#permutation-properties-appendix-a)"))
                .size());
        assertEquals(2, misplacedClasses(doc, List.of("| `set` | `FSPool`, `Hungarian`, `FSPooling` | nn |"), classes)
                .size());

        String citations = "`dspn/model.py:FSEncodr` `utils.py:add_object` `dspn/fspool.py` `dspn/losses.py:x`"
                + " `train.py:main.run` `dspn/scripts/mnist.sh` `image_generation/utils.py:add_object` \"$1/model.py\"";
        assertEquals(List.of("dspn/model.py:FSEncodr", "utils.py:add_object", "dspn/losses.py:x"),
                brokenAuthorsCitations(doc, citations).stream().map(p -> p.substring(p.indexOf(": ") + 2,
                        p.indexOf(' ', p.indexOf(": ") + 2))).collect(Collectors.toList()));

        Set<String> sections = numberedSections(ROOT.resolve("docs/reference-behaviour.md"));
        assertEquals(2, missingSections(doc, "[§12] and reference-behaviour.md §4, §10", sections).size());
        assertEquals(1, missingQuotedSections(doc, "(docs/gpu.md, \"No such heading\"); docs/gpu.md §\"ASSIGN\"")
                .size());
        List<String> found = documentsNotInTheRepository(doc, "see the specification §4 and notes-elsewhere.md,\n"
                + "../elsewhere/x, docs/nowhere.md; docs/gpu.md, ../README.md and table4.md are there");
        assertEquals(5, found.size(), found.toString()); // docs/nowhere.md twice: as a page of docs/ and as a file
        for (String cited : List.of("specification §", "notes-elsewhere.md", "../elsewhere", "docs/nowhere.md")) {
            assertTrue(found.stream().anyMatch(p -> p.contains(": cites " + cited)), cited + " in " + found);
        }
    }

    static List<String> documentsNotInTheRepository(Path f, String text) {
        List<String> problems = new ArrayList<>();
        Matcher m = SPEC_SECTION.matcher(text);
        while (m.find()) {
            int line = (int) text.substring(0, m.start()).chars().filter(c -> c == '\n').count();
            problems.add(where(f, line) + ": cites " + m.group() + ", which is not in the repository");
        }
        if (!f.startsWith(ROOT.resolve("src/test"))) { // tests name files of their own making
            Matcher t = TEXT_FILE.matcher(text);
            while (t.find()) {
                String name = Path.of(t.group(1)).getFileName().toString();
                if (!repositoryFileNames().contains(name) && !OUTPUT_NAMES.contains(name)) {
                    int line = (int) text.substring(0, t.start()).chars().filter(c -> c == '\n').count();
                    problems.add(where(f, line) + ": cites " + t.group(1) + ", which is not in the repository");
                }
            }
        }
        if (f.toString().endsWith(".md")) {
            Matcher u = PARENT_PATH.matcher(text);
            while (u.find()) {
                Path to = f.getParent().resolve(u.group(1) + u.group(2)).normalize();
                if (!to.startsWith(ROOT) || !Files.exists(to)) {
                    int line = (int) text.substring(0, u.start()).chars().filter(c -> c == '\n').count();
                    problems.add(where(f, line) + ": cites " + u.group() + ", which is not in the repository");
                }
            }
        }
        Matcher d = DOCS_PAGE.matcher(text);
        while (d.find()) {
            if (!Files.isRegularFile(ROOT.resolve(d.group(1)))) {
                int line = (int) text.substring(0, d.start()).chars().filter(c -> c == '\n').count();
                problems.add(where(f, line) + ": cites " + d.group(1) + ", which is not in the repository");
            }
        }
        return problems;
    }

    // ================================================================================ Markdown links

    static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");

    static List<String> brokenLinks(Path doc, List<String> lines) {
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = LINK.matcher(lines.get(i));
            while (m.find()) {
                String target = m.group(1);
                if (target.matches("[a-z][a-z0-9+.-]*:.*")) {
                    continue; // https:, mailto:
                }
                int hash = target.indexOf('#');
                String file = hash < 0 ? target : target.substring(0, hash);
                Path resolved = file.isEmpty() ? doc : doc.getParent().resolve(file).normalize();
                if (!Files.exists(resolved)) {
                    problems.add(where(doc, i) + ": link " + target + ": no such file");
                } else if (hash >= 0 && resolved.toString().endsWith(".md")
                        && !anchors(resolved).contains(target.substring(hash + 1))) {
                    problems.add(where(doc, i) + ": link " + target + ": no such heading in "
                            + ROOT.relativize(resolved));
                }
            }
        }
        return problems;
    }

    /** GitHub's anchors of a file's headings: lower case, punctuation dropped, spaces to '-', -1 for repeats. */
    static Set<String> anchors(Path md) {
        Set<String> out = new HashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        for (String h : headings(md)) {
            String a = h.replaceAll("\\[([^\\]]*)\\]\\([^)]*\\)", "$1").toLowerCase()
                    .replaceAll("[^\\p{L}\\p{N}\\s_-]", "").trim().replace(' ', '-');
            int n = seen.merge(a, 1, Integer::sum) - 1;
            out.add(n == 0 ? a : a + "-" + n);
        }
        return out;
    }

    static List<String> headings(Path md) {
        return proseLines(md).stream().filter(l -> l.matches("#{1,6}\\s.*"))
                .map(l -> l.replaceFirst("^#+\\s*", "").trim()).collect(Collectors.toList());
    }

    /** A document named with a quoted section: {@code docs/gpu.md, "Arena"}, {@code docs/gpu.md §"ASSIGN"}. */
    static final Pattern QUOTED_SECTION = Pattern.compile(
            "([\\w./-]*[\\w-]+\\.md)\\)?(?:,\\s*|\\s*)§?\\s*\"([^\"\\n]{2,80})\"");

    static List<String> missingQuotedSections(Path file, String text) {
        List<String> problems = new ArrayList<>();
        Matcher m = QUOTED_SECTION.matcher(text.replaceAll("\\s*\\n\\s*(\\*\\s+|//\\s*)?", " "));
        while (m.find()) {
            Path doc = documentNamed(m.group(1));
            if (doc == null) {
                problems.add(ROOT.relativize(file) + ": " + m.group(1) + " is not a document of the repository");
                continue;
            }
            String section = m.group(2).toLowerCase();
            boolean found = headings(doc).stream().anyMatch(h -> h.toLowerCase().replace("`", "").contains(section))
                    || proseLines(doc).stream().anyMatch(l -> l.toLowerCase().replace("`", "").matches(
                            "\\s*(\\*\\s+)?\\*\\*" + Pattern.quote(section) + "[.:]?\\*\\*.*"));
            if (!found) {
                problems.add(ROOT.relativize(file) + ": " + m.group(1) + " has no section \"" + m.group(2) + "\"");
            }
        }
        return problems;
    }

    static Path documentNamed(String name) {
        for (String candidate : List.of(name, "docs/" + name)) {
            Path p = ROOT.resolve(candidate).normalize();
            if (Files.isRegularFile(p) && p.startsWith(ROOT)) {
                return p;
            }
        }
        return null;
    }

    // ================================================================================ classes, members, paths

    static final Pattern BACKTICKED = Pattern.compile("`([^`\\n]+)`");
    static final Pattern IDENT = Pattern.compile("[A-Za-z_$][\\w$]*");
    static final Set<String> TOP_FOLDERS = Set.of("src", "docs", "golden", "bench", "models", "data", "gpu-config",
            ".ci");

    static List<String> brokenCodeReferences(Path doc, List<String> lines, Classes classes) {
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = BACKTICKED.matcher(lines.get(i));
            while (m.find()) {
                String problem = codeReference(m.group(1).trim(), classes);
                if (problem != null) {
                    problems.add(where(doc, i) + ": `" + m.group(1) + "`: " + problem);
                }
            }
        }
        return problems;
    }

    static final Pattern PACKAGE_ROW = Pattern.compile("^\\| `([a-z][\\w.]*)` \\| (.*?) \\|[^|]*\\|$");

    /** The package table's classes (its rows' "holds" cells): each a class of that package or of one below it. */
    static List<String> misplacedClasses(Path doc, List<String> lines, Classes classes) {
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher row = PACKAGE_ROW.matcher(lines.get(i).trim());
            if (!row.matches() || !classes.packages.contains(row.group(1))) {
                continue;
            }
            String pkg = row.group(1);
            Matcher c = Pattern.compile("`([A-Z]\\w*)`").matcher(row.group(2));
            while (c.find()) {
                boolean there = classes.byName.getOrDefault(c.group(1), List.of()).stream()
                        .map(classes.packageOf::get).anyMatch(p -> p.equals(pkg) || p.startsWith(pkg + "."));
                if (!there) {
                    problems.add(where(doc, i) + ": `" + c.group(1) + "` is no class of package " + pkg);
                }
            }
        }
        return problems;
    }

    /** What is wrong with a backticked token read as a reference into this repository, or null. */
    static String codeReference(String token, Classes classes) {
        if (token.contains(".py") || token.contains(" ") && !token.matches("[\\w.$/]+\\(.*\\)")) {
            return null;
        }
        String t = token.replaceFirst("\\(.*\\)$", ""); // Class.method(args)
        if (NOT_OURS.contains(t)) {
            return null;
        }
        String firstFolder = t.contains("/") ? t.substring(0, t.indexOf('/')) : null;
        if (firstFolder != null && TOP_FOLDERS.contains(firstFolder) && !t.matches(".*[*…<>{}].*")) {
            Path p = ROOT.resolve(t);
            if (Files.exists(p) || Files.exists(ROOT.resolve(t + ".java"))) {
                return null;
            }
            if (!classes.packages.contains(firstFolder)) {
                return "no such file or folder";
            }
        }
        boolean ours = t.startsWith("org.dspn4j.");
        if (ours) {
            t = t.substring("org.dspn4j.".length());
        }
        String[] segs = t.split("[./]", -1);
        for (String s : segs) {
            if (!IDENT.matcher(s).matches()) {
                return null;
            }
        }
        int pkg = 0;
        while (pkg < segs.length && Character.isLowerCase(segs[pkg].charAt(0))
                && classes.packages.contains(String.join(".", List.of(segs).subList(0, pkg + 1)))) {
            pkg++;
        }
        String packageName = String.join(".", List.of(segs).subList(0, pkg));
        if (pkg == segs.length) {
            return null; // a package
        }
        if (pkg == 0 && ours) {
            return "no such package";
        }
        if (pkg > 0 && !Character.isUpperCase(segs[pkg].charAt(0))) {
            return ours || t.contains("/") && segs.length > pkg + 1 ? "no such package" : null; // data.pkl, loss.png
        }
        String cls = segs[pkg];
        List<Path> files = classes.byName.getOrDefault(cls, List.of());
        if (pkg > 0) {
            files = files.stream().filter(f -> packageName.equals(classes.packageOf.get(f)))
                    .collect(Collectors.toList());
            if (files.isEmpty()) {
                return "no class " + cls + " in package " + packageName;
            }
        } else if (files.isEmpty()) {
            return segs.length == 1 && cls.matches("[A-Z]\\w*(Test|Properties|Contract)") ? "no such test class" : null;
        }
        if (segs.length > pkg + 1) {
            String member = segs[pkg + 1];
            if (member.contains("_") && !member.equals(member.toUpperCase())) {
                return null; // the authors' Python name (FSPool.determine_weight)
            }
            if (!classes.declares(files, member)) {
                return cls + " has no member " + member;
            }
        }
        return null;
    }

    /** The project's classes: source files by simple name, and their packages. */
    static final class Classes {
        final Map<String, List<Path>> byName = new HashMap<>();
        final Map<Path, String> packageOf = new HashMap<>();
        final Set<String> packages = new HashSet<>();
        private final Map<Path, String> code = new HashMap<>();

        static Classes scan() {
            Classes c = new Classes();
            for (String root : List.of("src/main/java", "src/test/java", "bench/src/main/java")) {
                Path base = ROOT.resolve(root).resolve("org/dspn4j");
                if (!Files.isDirectory(base)) {
                    continue;
                }
                for (Path f : walk(base)) {
                    if (!f.toString().endsWith(".java")) {
                        continue;
                    }
                    String pkg = base.relativize(f.getParent()).toString().replace('/', '.');
                    for (String[] parts = pkg.split("\\."); parts.length > 0;
                            parts = java.util.Arrays.copyOf(parts, parts.length - 1)) {
                        if (!parts[0].isEmpty()) {
                            c.packages.add(String.join(".", parts));
                        }
                    }
                    String name = f.getFileName().toString().replace(".java", "");
                    if (!name.equals("package-info")) {
                        c.byName.computeIfAbsent(name, k -> new ArrayList<>()).add(f);
                        c.packageOf.put(f, pkg);
                    }
                }
            }
            return c;
        }

        /** Whether one of the files (or a project supertype's file) declares a method, field, constant or type. */
        boolean declares(List<Path> files, String member) {
            String m = Pattern.quote(member);
            List<Pattern> declarations = List.of(
                    Pattern.compile("[\\w>\\]]\\s+" + m + "\\s*\\("),                    // method
                    Pattern.compile("[\\w>\\]]\\s+" + m + "\\s*[=;,)]"),                 // field, record component
                    Pattern.compile("\\b(class|interface|record|enum)\\s+" + m + "\\b"), // nested type
                    Pattern.compile("(^|\\n)\\s*" + m + "\\s*([,;({}]|\\n\\s*\\})"));      // enum constant
            List<Path> todo = new ArrayList<>(files);
            Set<Path> seen = new HashSet<>();
            while (!todo.isEmpty()) {
                Path f = todo.remove(todo.size() - 1);
                if (!seen.add(f)) {
                    continue;
                }
                String src = code.computeIfAbsent(f, p -> stripCommentsAndStrings(read(p)));
                for (Pattern p : declarations) {
                    Matcher x = p.matcher(src);
                    while (x.find()) {
                        String before = src.substring(Math.max(0, x.start() - 8), x.start() + 1);
                        if (!before.matches("(?s).*\\b(return|new|throw|else)\\s*\\S?$")) {
                            return true;
                        }
                    }
                }
                Matcher header = Pattern.compile("\\b(class|interface|record|enum)\\s+\\w+[^{]*\\{").matcher(src);
                if (header.find()) {
                    Matcher sup = Pattern.compile("\\b([A-Z]\\w+)").matcher(header.group());
                    while (sup.find()) {
                        todo.addAll(byName.getOrDefault(sup.group(1), List.of()));
                    }
                }
            }
            return false;
        }
    }

    // ================================================================================ options

    static final Pattern OPTION = Pattern.compile("^(--[a-z][a-z0-9-]*)(?:[ =](\\S+))?");

    static List<String> unknownOptions(Path doc, List<String> lines, Map<String, Set<String>> options) {
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher b = BACKTICKED.matcher(lines.get(i));
            while (b.find()) {
                Matcher m = OPTION.matcher(b.group(1));
                if (!m.find() || m.group(1).endsWith("-")) {
                    continue; // --synth-*
                }
                String name = m.group(1);
                if (!options.containsKey(name)) {
                    if (!AUTHORS_OPTIONS.contains(name) && !OTHER_OPTIONS.contains(name)) {
                        problems.add(where(doc, i) + ": " + name + " is no option of dspn4j");
                    }
                    continue;
                }
                Set<String> values = options.get(name);
                String value = m.group(2);
                if (value != null && !values.isEmpty() && value.matches("[a-z0-9][\\w\\\\|-]*")) {
                    for (String v : value.split("\\\\?\\|")) {
                        if (!values.contains(v)) {
                            problems.add(where(doc, i) + ": " + name + " takes "
                                    + String.join("|", new TreeSet<>(values)) + ", not " + v);
                        }
                    }
                }
            }
        }
        return problems;
    }

    static final Pattern COMMAND = Pattern.compile("(^|\\s)\\./dspn4j\\s");
    static final Pattern COMMAND_OPTION = Pattern.compile("(?<![\\w=-])--[a-z][a-z0-9-]*");

    /** The options of the {@code ./dspn4j} commands in fenced code blocks (a reader copies them). */
    static List<String> unknownCommandOptions(Path doc, List<String> lines, Map<String, Set<String>> options) {
        List<String> problems = new ArrayList<>();
        boolean fenced = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.trim().startsWith("```")) {
                fenced = !fenced;
                continue;
            }
            if (!fenced || !COMMAND.matcher(line).find()) {
                continue;
            }
            Matcher m = COMMAND_OPTION.matcher(line.replaceFirst("\\s#.*", ""));
            while (m.find()) {
                if (!options.containsKey(m.group())) {
                    problems.add(where(doc, i) + ": " + m.group() + " is no option of dspn4j");
                }
            }
        }
        return problems;
    }

    /** Every option of every dspn4j command and of the launcher, with the values its label lists (a|b), if any. */
    static Map<String, Set<String>> dspn4jOptions() {
        Map<String, Set<String>> out = new HashMap<>();
        collect(new CommandLine(new Main()), out);
        Matcher m = Pattern.compile("--[a-z][a-z0-9-]*").matcher(read(ROOT.resolve("dspn4j")));
        while (m.find()) {
            out.putIfAbsent(m.group(), new HashSet<>());
        }
        return out;
    }

    private static void collect(CommandLine cl, Map<String, Set<String>> out) {
        for (CommandLine.Model.OptionSpec o : cl.getCommandSpec().options()) {
            String label = o.paramLabel();
            boolean listed = label != null && label.matches("[a-z0-9-]+(\\|[a-z0-9-]+)+");
            for (String name : o.names()) {
                Set<String> known = out.computeIfAbsent(name, k -> new HashSet<>());
                if (listed) {
                    known.addAll(List.of(label.split("\\|")));
                }
                if (o.negatable() && name.startsWith("--")) {
                    out.putIfAbsent("--no-" + name.substring(2), new HashSet<>());
                }
            }
        }
        for (CommandLine sub : cl.getSubcommands().values()) {
            collect(sub, out);
        }
    }

    // ================================================================================ the authors' code

    /** {@code dir/file.py:Name.name} or a bare {@code file.py}; not after '$' or '{' (a shell variable's folder). */
    static final Pattern CITATION = Pattern.compile(
            "(?<![\\w./$}-])((?:[\\w-]+/)*[\\w-]+\\.(?:py|sh))(?::([A-Za-z_](?:[\\w.]*\\w)?))?");
    /** Folders of this repository, and the CLEVR generator's (github.com/facebookresearch/clevr-dataset-gen). */
    static final List<String> NOT_AUTHORS_FOLDERS = List.of("image_generation/", "golden/", "bench/", "src/",
            "gpu-config/", ".ci/", "data/");

    static List<String> brokenAuthorsCitations(Path file, String text) {
        Set<String> authorsNames = AUTHORS.keySet().stream().map(p -> p.substring(p.lastIndexOf('/') + 1))
                .collect(Collectors.toSet());
        List<String> problems = new ArrayList<>();
        if (!text.contains(".py") && !text.contains(".sh")) {
            return problems;
        }
        List<String> lines = text.lines().collect(Collectors.toList());
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = CITATION.matcher(lines.get(i));
            while (m.find()) {
                String path = m.group(1);
                String base = path.substring(path.lastIndexOf('/') + 1);
                if (NOT_AUTHORS_FOLDERS.stream().anyMatch(path::startsWith)
                        || !path.startsWith("dspn/") && !authorsNames.contains(base)) {
                    continue;
                }
                String file2 = null;
                for (String candidate : List.of(path, "dspn/" + path, "dspn/scripts/" + path)) {
                    if (AUTHORS.containsKey(candidate)) {
                        file2 = candidate;
                        break;
                    }
                }
                String cited = m.group();
                if (file2 == null) {
                    problems.add(where(file, i) + ": " + cited
                            + " (no such file in the authors' repository at be3703b)");
                } else if (m.group(2) != null && AUTHORS.get(file2) != null
                        && !AUTHORS.get(file2).contains(m.group(2))) {
                    problems.add(where(file, i) + ": " + cited + " (" + file2 + " at be3703b defines no "
                            + m.group(2) + ")");
                }
            }
        }
        return problems;
    }

    // ================================================================================ §N of reference-behaviour.md

    static Set<String> numberedSections(Path md) {
        return headings(md).stream().filter(h -> h.matches("\\d+\\.\\s.*")).map(h -> h.substring(0, h.indexOf('.')))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /**
     * §N that point into reference-behaviour.md: after its name ({@code reference-behaviour.md §3, §4}), in
     * brackets ({@code [§4]}, algorithm.md's form), and in a table cell that starts with one (deviations.md's).
     * "paper §3" and "appendix B" are the paper's and are not checked.
     */
    static final List<Pattern> SECTION_REFERENCES = List.of(
            Pattern.compile("reference-behaviour\\.md\\)?\\]?,?\\s*((?:§\\s?\\d+(?:,\\s*)?)+)"),
            Pattern.compile("\\[(§\\d+)"),
            Pattern.compile("\\|\\s*((?:§\\d+(?:,\\s*)?)+)[^|]*\\|"));

    static List<String> missingSections(Path file, String text, Set<String> sections) {
        List<String> problems = new ArrayList<>();
        if (file.endsWith(Path.of("docs/reference-behaviour.md")) || !text.contains("§")) {
            return problems; // its own §N are the paper's
        }
        String flat = text.replaceAll("\\s*\\n\\s*(\\*\\s+|//\\s*)?", " ");
        for (Pattern p : SECTION_REFERENCES) {
            Matcher m = p.matcher(flat);
            while (m.find()) {
                Matcher n = Pattern.compile("§\\s?(\\d+)").matcher(m.group(1));
                while (n.find()) {
                    if (!sections.contains(n.group(1))) {
                        problems.add(ROOT.relativize(file) + ": §" + n.group(1) + " is not a section of "
                                + "docs/reference-behaviour.md (" + String.join(", ", sections) + ")");
                    }
                }
            }
        }
        return problems;
    }

    // ================================================================================ files

    static List<Path> docs() {
        List<Path> out = new ArrayList<>();
        out.add(ROOT.resolve("README.md"));
        walk(ROOT.resolve("docs")).stream().filter(p -> p.toString().endsWith(".md")
                && p.getParent().equals(ROOT.resolve("docs"))).sorted().forEach(out::add);
        out.add(ROOT.resolve("golden/README.md"));
        return out;
    }

    /**
     * The sources whose comments cite the authors' code: Java, and the Python and shell scripts; not this class,
     * whose own broken examples are its test of the checks.
     */
    static List<Path> sources() {
        List<Path> out = new ArrayList<>();
        for (String root : List.of("src/main/java", "src/test/java", "golden", "bench")) {
            walk(ROOT.resolve(root)).stream()
                    .filter(p -> p.toString().matches(".*\\.(java|py|sh)")
                            && !p.endsWith(Path.of("DocsReferencesAuditTest.java")))
                    .sorted().forEach(out::add);
        }
        return out;
    }

    /** The lines of a Markdown file with fenced code blocks blanked (their commands and output are not prose). */
    static List<String> proseLines(Path md) {
        List<String> out = new ArrayList<>();
        boolean fenced = false;
        for (String line : read(md).lines().collect(Collectors.toList())) {
            if (line.trim().startsWith("```")) {
                fenced = !fenced;
                out.add("");
            } else {
                out.add(fenced ? "" : line);
            }
        }
        return out;
    }

    static String javaComments(String src) {
        StringBuilder out = new StringBuilder();
        Matcher m = Pattern.compile("(?s)/\\*.*?\\*/|//[^\\n]*").matcher(src);
        while (m.find()) {
            out.append(m.group()).append('\n');
        }
        return out.toString();
    }

    static String stripCommentsAndStrings(String src) {
        return src.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\\n]*", " ")
                .replaceAll("\"(?:\\\\.|[^\"\\\\\\n])*\"", "\"\"");
    }

    private static Set<String> fileNames;

    /** The names of the repository's files (its build output and run folders left out). */
    static synchronized Set<String> repositoryFileNames() {
        if (fileNames == null) {
            fileNames = walk(ROOT).stream().filter(p -> !p.startsWith(ROOT.resolve("target"))
                    && !p.startsWith(ROOT.resolve(".git")) && !p.startsWith(ROOT.resolve("runs")))
                    .map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
        return fileNames;
    }

    static List<Path> walk(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final Map<Path, String> TEXTS = new java.util.concurrent.ConcurrentHashMap<>();

    static String read(Path p) {
        return TEXTS.computeIfAbsent(p, f -> {
            try {
                return Files.readString(f);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    static String where(Path file, int line) {
        return ROOT.relativize(file) + ":" + (line + 1);
    }

    static void assertNone(List<String> problems) {
        assertTrue(problems.isEmpty(), problems.size() + " broken:\n" + String.join("\n", problems));
    }

    private static Map<String, Set<String>> authors(String... pathsAndNames) {
        Map<String, Set<String>> out = new LinkedHashMap<>();
        for (int i = 0; i < pathsAndNames.length; i += 2) {
            String names = pathsAndNames[i + 1];
            out.put(pathsAndNames[i],
                    names == null ? null : Set.of(names.isEmpty() ? new String[0] : names.split(" ")));
        }
        return out;
    }
}
