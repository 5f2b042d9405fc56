# Sourced by ./mosaic and scripts/test: finds a JDK >= 22 and the build tools, installing
# missing Debian packages when running as root on a fresh machine.
# The machine's default java may be 17; FFM (java.lang.foreign) is final only from 22.

mosaic_java_version() { # prints the feature version of $1/bin/java, or nothing
  local v
  v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n1)
  case "$v" in 1.*) echo "${v#1.}" ;; *) echo "$v" ;; esac
}

mosaic_find_jdk() {
  local cand v best="" bestv=0
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
    v=$(mosaic_java_version "$JAVA_HOME")
    if [ -n "$v" ] && [ "$v" -ge 22 ]; then echo "$JAVA_HOME"; return 0; fi
  fi
  for cand in /usr/lib/jvm/* /opt/java/* /opt/jdk*; do
    [ -x "$cand/bin/javac" ] || continue
    v=$(mosaic_java_version "$cand")
    if [ -n "$v" ] && [ "$v" -ge 22 ] && [ "$v" -gt "$bestv" ]; then best=$cand; bestv=$v; fi
  done
  [ -n "$best" ] && echo "$best"
}

mosaic_need_tools() { # installs build tools that are missing (Debian, root only)
  local missing=()
  command -v mvn >/dev/null 2>&1 || missing+=(maven)
  command -v cmake >/dev/null 2>&1 || missing+=(cmake)
  command -v cc >/dev/null 2>&1 || missing+=(gcc)
  command -v make >/dev/null 2>&1 || missing+=(make)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "mosaic: installing missing build tools: ${missing[*]}" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2 || return 1
  else
    echo "mosaic: missing build tools: ${missing[*]} (install them, e.g. apt-get install ${missing[*]})" >&2
    return 1
  fi
}

MOSAIC_JDK=$(mosaic_find_jdk)
if [ -z "$MOSAIC_JDK" ]; then
  echo "mosaic: no JDK >= 22 found (checked \$JAVA_HOME and /usr/lib/jvm/*); install one, e.g. Temurin 25, or set JAVA_HOME" >&2
  exit 1
fi
export JAVA_HOME=$MOSAIC_JDK
export PATH="$JAVA_HOME/bin:$PATH"
# Maven 3.8's own libraries use sun.misc.Unsafe, which JDK 24+ warns about; the flag that allows it
# does not exist before 24, where it would stop the JVM from starting.
if [ "$(mosaic_java_version "$JAVA_HOME")" -ge 24 ]; then
  export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
fi
mosaic_need_tools || exit 1
