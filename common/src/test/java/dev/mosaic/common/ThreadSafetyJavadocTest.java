package dev.mosaic.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every public top-level type in every module's {@code src/main/java} says in its class Javadoc
 * whether it is thread-safe (the team's style rule). No file is skipped: the repository has no
 * generated sources under {@code src/main/java} (the FFM bindings are hand-written in jextract's
 * layout and documented like any other class); {@code module-info.java} and
 * {@code package-info.java} declare no type and are not checked.
 */
class ThreadSafetyJavadocTest {

    /** What counts as a statement about thread safety. */
    static final Pattern STATEMENT = Pattern.compile(
            "thread-safe|thread safe|not thread-safe|immutable|confined|one thread|any thread|synchroniz",
            Pattern.CASE_INSENSITIVE);

    /** A public top-level type declaration: at the start of a line, so nested types are not taken for it. */
    private static final Pattern TOP_LEVEL = Pattern.compile(
            "^public\\s+(?:(?:abstract|final|sealed|non-sealed|static|strictfp)\\s+)*"
                    + "(?:class|record|interface|enum|@interface)\\s+(\\w+)",
            Pattern.MULTILINE);

    private static final Pattern STRING_LITERAL = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");

    @Test
    void everyPublicTopLevelTypeStatesItsThreadSafety() throws IOException {
        Path root = repositoryRoot();
        List<Path> sources = mainSources(root);
        assertTrue(sources.size() > 100, "found only " + sources.size() + " sources under " + root);
        List<String> missing = new ArrayList<>();
        for (Path file : sources) {
            String source = Files.readString(file, StandardCharsets.UTF_8);
            lacksStatement(source).ifPresent(type -> missing.add(root.relativize(file) + " (" + type + ")"));
        }
        assertEquals(List.of(), missing, missing.size() + " public types have no thread-safety statement in their"
                + " class Javadoc (say e.g. \"Immutable; thread-safe.\" or \"Not thread-safe: one thread at a time.\")");
    }

    @Test
    void theCheckerFailsOnATypeWithoutAStatement() {
        String undocumented = """
                package x;

                import java.util.List;

                /** A list of names. */
                @SuppressWarnings("unused")
                public final class Names {
                    /** Immutable nested value: does not count for the top-level type. */
                    public record Name(String value) {}
                }
                """;
        assertEquals(Optional.of("Names"), lacksStatement(undocumented));
        assertEquals(Optional.of("Bare"), lacksStatement("package x;\n\npublic interface Bare {}\n"));
        // a file-header comment before the package line is not the type's Javadoc
        assertEquals(Optional.of("Late"), lacksStatement("/** Immutable. */\npackage x;\n\npublic enum Late { A }\n"));
    }

    @Test
    void theCheckerAcceptsAStatementAboveAnnotations() {
        String documented = """
                package x;

                /**
                 * A name.
                 *
                 * <p>Immutable; thread-safe.
                 */
                @Deprecated(forRemoval = false)
                @SuppressWarnings({"a", "b"})
                @Command(description = "one; two \\" three;")
                public record Name(String value) {}
                """;
        assertEquals(Optional.empty(), lacksStatement(documented));
        assertEquals(Optional.empty(), lacksStatement("package x;\n/** Not thread-safe: one thread at a time. */\n"
                + "public class Counter {}\n"));
        assertEquals(Optional.empty(), lacksStatement("package x;\n\nclass PackagePrivate {}\n"));
    }

    /**
     * The name of the source's public top-level type when its Javadoc (the comment right before the
     * declaration, annotations allowed in between) does not mention thread safety; empty when it does or
     * when the source declares no public top-level type.
     */
    static Optional<String> lacksStatement(String source) {
        Matcher m = TOP_LEVEL.matcher(source);
        if (!m.find()) {
            return Optional.empty();
        }
        String before = source.substring(0, m.start());
        int open = before.lastIndexOf("/**");
        int close = before.lastIndexOf("*/");
        // only annotations may stand between the Javadoc and the type: no ';' outside their string literals
        boolean hasJavadoc = open >= 0 && close > open
                && !STRING_LITERAL.matcher(before.substring(close + 2)).replaceAll("").contains(";");
        if (hasJavadoc && STATEMENT.matcher(before.substring(open, close)).find()) {
            return Optional.empty();
        }
        return Optional.of(m.group(1));
    }

    /** The nearest directory at or above the working directory holding the top {@code pom.xml} and {@code CMakeLists.txt}. */
    static Path repositoryRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("pom.xml")) && Files.isRegularFile(p.resolve("CMakeLists.txt"))) {
                return p;
            }
        }
        throw new IllegalStateException("no directory above " + Path.of("").toAbsolutePath()
                + " holds both pom.xml and CMakeLists.txt");
    }

    /** Every {@code .java} file under some {@code src/main/java} below {@code root}, build outputs excluded. */
    static List<Path> mainSources(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            return all.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> root.relativize(p).toString().replace('\\', '/').matches("(?:[^/]+/)*src/main/java/.*"))
                    .filter(p -> !root.relativize(p).toString().contains("/target/"))
                    .filter(p -> !p.getFileName().toString().equals("module-info.java")
                            && !p.getFileName().toString().equals("package-info.java"))
                    .filter(p -> !startsWithDot(root.relativize(p)))
                    .sorted()
                    .toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static boolean startsWithDot(Path relative) {
        for (Path part : relative) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }
}
