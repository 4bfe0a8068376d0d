// `msa completion bash|zsh|fish`: a completion script for the shell, built from the commands and their flags.
import { Argument } from "commander";
import type { Definer } from "../main.js";

export function defineCompletion({ program, ctx, setExit }: Definer): void {
  program
    .command("completion")
    .addArgument(new Argument("<shell>", "the shell").choices(["bash", "zsh", "fish"]))
    .description("print a shell completion script (commands and their flags)")
    .addHelpText(
      "after",
      "\nInstall:\n  bash: msa completion bash > ~/.local/share/bash-completion/completions/msa\n  zsh:  msa completion zsh > \"${fpath[1]}/_msa\"\n  fish: msa completion fish > ~/.config/fish/completions/msa.fish\n",
    )
    .action(async (shell: "bash" | "zsh" | "fish") => {
      const { buildProgram, COMMAND_NAMES } = await import("../main.js");
      // every command's flags: a full program (its definitions only; nothing runs)
      const full = await buildProgram(ctx, () => {});
      const flags = new Map<string, string[]>();
      for (const c of full.commands)
        flags.set(c.name(), c.options.filter((o) => !o.hidden).flatMap((o) => [o.long, o.short].filter((x): x is string => !!x)).concat("--help"));
      ctx.stdout(script(shell, [...COMMAND_NAMES], flags));
      setExit(0);
    });
}

export function script(shell: "bash" | "zsh" | "fish", commands: string[], flags: Map<string, string[]>): string {
  if (shell === "bash") {
    const cases = commands.map((c) => `    ${c}) opts="${(flags.get(c) ?? []).join(" ")}" ;;`).join("\n");
    return `# msa bash completion: source it, or put it in ~/.local/share/bash-completion/completions/msa
_msa() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" opts
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${commands.join(" ")} --help --version" -- "$cur") )
    return
  fi
  case "\${COMP_WORDS[1]}" in
${cases}
    *) opts="" ;;
  esac
  if [[ "$cur" == -* ]]; then COMPREPLY=( $(compgen -W "$opts" -- "$cur") ); else COMPREPLY=( $(compgen -f -- "$cur") ); fi
}
complete -o default -F _msa msa
`;
  }
  if (shell === "zsh") {
    const cases = commands.map((c) => `    ${c}) _values 'flag' ${(flags.get(c) ?? []).map((f) => `'${f}'`).join(" ")} ;;`).join("\n");
    return `#compdef msa
# msa zsh completion: put it in a directory of $fpath as _msa
_msa() {
  if (( CURRENT == 2 )); then
    _values 'command' ${commands.map((c) => `'${c}'`).join(" ")}
    return
  fi
  if [[ "$words[CURRENT]" != -* ]]; then _files; return; fi
  case "$words[2]" in
${cases}
  esac
}
compdef _msa msa
`;
  }
  const lines = ["# msa fish completion: put it in ~/.config/fish/completions/msa.fish", "complete -c msa -f"];
  for (const c of commands) lines.push(`complete -c msa -n __fish_use_subcommand -a ${c}`);
  for (const c of commands)
    for (const f of flags.get(c) ?? [])
      if (f.startsWith("--")) lines.push(`complete -c msa -n "__fish_seen_subcommand_from ${c}" -l ${f.slice(2)}`);
  return lines.join("\n") + "\n";
}
