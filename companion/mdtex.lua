-- The pandoc filter of companion/mdtex.py: Markdown of the claim registry -> LaTeX of the key.

-- Mathematics stays as the registry wrote it: inline as $...$, display centred and shrunk to
-- the text width when wide (a derivation with its reasons never overflows the page).
function Math(m)
  if m.mathtype == "DisplayMath" then
    return pandoc.RawInline("latex",
      "\\begin{center}\\adjustbox{max width=\\linewidth}{$\\displaystyle\n" .. m.text .. "\n$}\\end{center}")
  end
  return pandoc.RawInline("latex", "$" .. m.text .. "$")
end

-- A heading inside a proof is a run-in \paragraph, never a numbered section of the key.
function Header(h)
  h.level = 4
  h.identifier = ""
  return h
end

-- Code is set verbatim: no syntax highlighting, whose macros the key's preamble does not define.
function Code(c)
  c.classes = {}
  return c
end

function CodeBlock(c)
  c.classes = {}
  return c
end
