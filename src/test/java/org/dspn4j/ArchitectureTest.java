package org.dspn4j;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.CompositeArchRule;

/**
 * The package layering of docs/architecture.md, checked on the compiled main classes (tests excluded).
 *
 * <ul>
 *   <li>{@code tensor} (the op set, its definition, and {@code tensor.cpu}) imports no {@code gpu}; the
 *       definition ({@code tensor} itself) does not import the fast CPU backend ({@code tensor.cpu}).</li>
 *   <li>{@code set}, {@code loss} and {@code autodiff} import no {@code gpu}, {@code experiment} or
 *       {@code cli}: the model is written against the op set only.</li>
 *   <li>Each package imports only the packages its row of the table allows ({@link #ALLOWED}, the
 *       dependencies of docs/architecture.md with what they themselves may import): lower packages never
 *       import higher ones.</li>
 *   <li>No cycles between packages.</li>
 * </ul>
 */
@AnalyzeClasses(packages = "org.dspn4j", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    /** The project's top-level packages, bottom to top. */
    private static final List<String> PACKAGES = List.of("tensor", "autodiff", "gpu", "nn", "set", "match", "loss",
            "optim", "io", "data", "eval", "viz", "model", "experiment", "cli");

    /**
     * What each package may import (besides itself and its subpackages): the table of
     * docs/architecture.md, closed under "what those may import".
     */
    static final Map<String, Set<String>> ALLOWED = new LinkedHashMap<>();

    static {
        ALLOWED.put("tensor", Set.of("match"));
        ALLOWED.put("autodiff", Set.of("tensor", "match"));
        ALLOWED.put("gpu", Set.of("tensor", "match"));
        ALLOWED.put("nn", Set.of("tensor", "match", "autodiff"));
        ALLOWED.put("set", Set.of("tensor", "match", "autodiff", "nn"));
        ALLOWED.put("match", Set.of());
        ALLOWED.put("loss", Set.of("tensor", "autodiff", "match"));
        ALLOWED.put("optim", Set.of("tensor", "match", "autodiff", "nn"));
        ALLOWED.put("io", Set.of("tensor", "match"));
        ALLOWED.put("data", Set.of("tensor", "match"));
        ALLOWED.put("eval", Set.of());
        ALLOWED.put("viz", Set.of("tensor", "match", "data"));
        ALLOWED.put("model", Set.of("tensor", "autodiff", "nn", "set", "match", "loss", "io"));
        ALLOWED.put("experiment", Set.of("tensor", "autodiff", "gpu", "nn", "set", "match", "loss", "optim", "io", "data",
                "eval", "viz", "model"));
        ALLOWED.put("cli", Set.of("tensor", "autodiff", "gpu", "nn", "set", "match", "loss", "optim", "io", "data", "eval",
                "viz", "model", "experiment"));
    }

    private static String pkg(String name) {
        return "org.dspn4j." + name + "..";
    }

    @ArchTest
    static final ArchRule TENSOR_IMPORTS_NO_GPU = noClasses().that().resideInAPackage(pkg("tensor"))
            .should().dependOnClassesThat().resideInAPackage(pkg("gpu"))
            .because("the op set and the CPU backends know nothing of the OpenCL engine");

    @ArchTest
    static final ArchRule THE_DEFINITION_IMPORTS_NO_FAST_BACKEND = noClasses().that().resideInAPackage("org.dspn4j.tensor")
            .should().dependOnClassesThat().resideInAPackage("org.dspn4j.tensor.cpu..")
            .because("ReferenceBackend and the op set are the definition the CPU backend is tied to, not the other way round");

    @ArchTest
    static final ArchRule THE_MODEL_IMPORTS_NO_BACKEND_CHOICE = noClasses()
            .that().resideInAnyPackage(pkg("set"), pkg("loss"), pkg("autodiff"))
            .should().dependOnClassesThat().resideInAnyPackage(pkg("gpu"), pkg("experiment"), pkg("cli"))
            .because("the model reaches ops through its tensors' backend, never a particular backend or the commands");

    @ArchTest
    static final ArchRule LOWER_PACKAGES_NEVER_IMPORT_HIGHER_ONES = layering();

    /** {@code text} (one-line messages) is below every package: any may import it, it imports nothing of the project. */
    @ArchTest
    static final ArchRule TEXT_IMPORTS_NOTHING_OF_THE_PROJECT = noClasses().that().resideInAPackage(pkg("text"))
            .should().dependOnClassesThat().resideInAnyPackage(PACKAGES.stream().map(ArchitectureTest::pkg).toArray(String[]::new))
            .because("text is the bottom of the layering");

    @ArchTest
    static final ArchRule NO_CYCLES = slices().matching("org.dspn4j.(*)..").should().beFreeOfCycles();

    private static ArchRule layering() {
        List<ArchRule> rules = new ArrayList<>();
        for (String p : PACKAGES) {
            List<String> forbidden = new ArrayList<>();
            for (String q : PACKAGES) {
                if (!q.equals(p) && !ALLOWED.get(p).contains(q)) {
                    forbidden.add(pkg(q));
                }
            }
            if (!forbidden.isEmpty()) {
                rules.add(noClasses().that().resideInAPackage(pkg(p))
                        .should().dependOnClassesThat().resideInAnyPackage(forbidden.toArray(new String[0]))
                        .because(p + " may import only " + (ALLOWED.get(p).isEmpty() ? "nothing of the project"
                                : String.join(", ", ALLOWED.get(p)))));
            }
        }
        return CompositeArchRule.of(rules);
    }
}
