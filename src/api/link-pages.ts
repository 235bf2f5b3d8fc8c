/** The small pages a browser shows when a report link cannot be opened: Portuguese first, then English. */

function page(title: string, lines: [pt: string, en: string]): string {
  return `<!doctype html>
<html lang="pt-BR">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title}</title>
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2937; background: #f5f6fa;
         display: flex; min-height: 100vh; margin: 0; align-items: center; justify-content: center; }
  main { background: #fff; border-radius: 12px; padding: 32px 40px; max-width: 480px; box-shadow: 0 1px 3px #0002; }
  h1 { font-size: 22px; margin: 0 0 12px; }
  p { line-height: 1.5; margin: 8px 0; }
  p[lang="en"] { color: #6b7280; }
</style>
</head>
<body>
<main>
<h1>${title}</h1>
<p>${lines[0]}</p>
<p lang="en">${lines[1]}</p>
</main>
</body>
</html>
`;
}

export function linkExpiredPage(): string {
  return page('Este link expirou · This link has expired', [
    'Os links de relatório valem por um tempo limitado. Peça um link novo a quem enviou o relatório, ou abra-o no painel.',
    'This link has expired. Report links work for a limited time: ask whoever sent it for a new one, or open the report from the panel.',
  ]);
}

export function linkInvalidPage(): string {
  return page('Este link não é válido · This link is not valid', [
    'O link está incompleto ou foi alterado. Copie-o novamente, por inteiro, do email ou do painel.',
    'This link is not valid: it is incomplete or was changed. Copy it again, in full, from the email or the panel.',
  ]);
}

export function linkMissingPage(): string {
  return page('Relatório indisponível · Report not available', [
    'Este relatório não está mais no arquivo.',
    'This report is no longer in the archive.',
  ]);
}
