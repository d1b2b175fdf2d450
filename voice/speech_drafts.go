// DRAFT: written by the nabij team (AI-assisted) without native speakers;
// each language must be read aloud by a native speaker before use.
//
// These are the spoken messages for the languages of Speakers besides
// English and Dutch. Each follows the English source sentence by sentence,
// in the register of the language's SMS wording (translations/messages):
// the same polite address, and no word that guesses a pupil's gender. What
// a reviewer should check, per language:
//
//   - ar: Modern Standard Arabic, the family addressed as أنتم; absence is
//     said as "we miss your child at school today" (no verb that marks
//     the pupil's gender): is it heard as "not at school"? Is طفلكم right
//     for a teenager, or ابنكم/ابنتكم?
//   - uk: "Ваша дитина" (feminine whatever the child) and the plural
//     "Ваші діти … запізнилися" in the late message.
//   - ru: "Ваш ребёнок опоздал" and "скучаем по нему": masculine as
//     ребёнок is; does it sound right of a girl?
//   - tr: "{school} okulundan arıyoruz" read with the school's name, and
//     "1 tuşuna basın" for the keys.
//   - pl: "Państwa dziecko" throughout, "proszę nacisnąć 1", and "któreś z
//     dzieci" in the message about several children.
//   - ro: "copilul dumneavoastră" and "ne este dor de el" (masculine as
//     copil is), "apăsați 1".
//   - bg: "Липсва ни" without a subject, and "да Ви се обадим" for "call
//     you back".
//   - es: "su hijo o hija" for "your child", Spain's "pulse" and "le
//     echamos de menos" (the voice is es-ES; many families are Latin
//     American: "marque", "lo extrañamos").
//   - fr: "votre enfant" repeated where English repeats "your child", and
//     "était en retard" (no participle that marks gender).
//   - pt: the voice is pt-PT; is "marque 1", "o seu filho ou a sua
//     filha" and "Até breve" natural in Portugal and Brazil alike?
//   - lt: "{school}" undeclined after "iš", "jo pasiilgome" (masculine as
//     vaikas is), "spauskite 1".
//   - id: "Bapak atau Ibu" spoken for the written "Bapak/Ibu"; "menelepon
//     kembali" for "call back".

package voice

// init adds the drafts to Texts.
func init() {
	for lang, texts := range drafts {
		Texts[lang] = texts
	}
}

// drafts are the spoken messages written without a native speaker, by
// nabij's language code: every text is Draft.
var drafts = map[string]map[Kind]Text{
	"ar": {
		KindAbsent: {
			One: "صباح الخير، نتصل بكم من {school}. نفتقد طفلكم في المدرسة اليوم، ونتمنى أن تكونوا بخير. " +
				"في حال المرض، اضغطوا 1. إذا أردتم أن نعاود الاتصال بكم، اضغطوا 2.",
			Other: "صباح الخير، نتصل بكم من {school}. نفتقد أطفالكم في المدرسة اليوم، ونتمنى أن تكونوا بخير. " +
				"في حال مرض أحد الأطفال، اضغطوا 1. إذا أردتم أن نعاود الاتصال بكم، اضغطوا 2.",
			Draft: true,
		},
		KindLate: {
			One:   "صباح الخير، نتصل بكم من {school}. تأخر وصول طفلكم إلى المدرسة اليوم. للعلم فقط. مع السلامة.",
			Other: "صباح الخير، نتصل بكم من {school}. تأخر وصول أطفالكم إلى المدرسة اليوم. للعلم فقط. مع السلامة.",
			Draft: true,
		},
		KindApology: {
			One:   "نتصل بكم من {school}. عذرًا، الخطأ منا: طفلكم في المدرسة اليوم. مع السلامة.",
			Other: "نتصل بكم من {school}. عذرًا، الخطأ منا: أطفالكم في المدرسة اليوم. مع السلامة.",
			Draft: true,
		},
		KindThanks: {
			One:   "شكرًا لكم. وصلنا ردكم. مع السلامة.",
			Other: "شكرًا لكم. وصلنا ردكم. مع السلامة.",
			Draft: true,
		},
	},
	"uk": {
		KindAbsent: {
			One: "Доброго ранку, це {school}. Ваша дитина сьогодні не в школі. Ми сумуємо за нею і сподіваємося, що все гаразд. " +
				"Якщо дитина хворіє, натисніть 1. Якщо хочете, щоб ми Вам передзвонили, натисніть 2.",
			Other: "Доброго ранку, це {school}. Ваші діти сьогодні не в школі. Ми сумуємо за ними і сподіваємося, що все гаразд. " +
				"Якщо хтось із дітей хворіє, натисніть 1. Якщо хочете, щоб ми Вам передзвонили, натисніть 2.",
			Draft: true,
		},
		KindLate: {
			One:   "Доброго ранку, це {school}. Ваша дитина сьогодні запізнилася до школи. Просто для інформації. До побачення.",
			Other: "Доброго ранку, це {school}. Ваші діти сьогодні запізнилися до школи. Просто для інформації. До побачення.",
			Draft: true,
		},
		KindApology: {
			One:   "Це {school}. Вибачте, це наша помилка: Ваша дитина сьогодні в школі. До побачення.",
			Other: "Це {school}. Вибачте, це наша помилка: Ваші діти сьогодні в школі. До побачення.",
			Draft: true,
		},
		KindThanks: {
			One:   "Дякуємо. Ми отримали Вашу відповідь. До побачення.",
			Other: "Дякуємо. Ми отримали Вашу відповідь. До побачення.",
			Draft: true,
		},
	},
	"ru": {
		KindAbsent: {
			One: "Доброе утро, это {school}. Вашего ребёнка сегодня нет в школе. Мы скучаем по нему и надеемся, что всё хорошо. " +
				"Если ребёнок болеет, нажмите 1. Если хотите, чтобы мы Вам перезвонили, нажмите 2.",
			Other: "Доброе утро, это {school}. Ваших детей сегодня нет в школе. Мы скучаем по ним и надеемся, что всё хорошо. " +
				"Если кто-то из детей болеет, нажмите 1. Если хотите, чтобы мы Вам перезвонили, нажмите 2.",
			Draft: true,
		},
		KindLate: {
			One:   "Доброе утро, это {school}. Ваш ребёнок сегодня опоздал в школу. Просто для информации. До свидания.",
			Other: "Доброе утро, это {school}. Ваши дети сегодня опоздали в школу. Просто для информации. До свидания.",
			Draft: true,
		},
		KindApology: {
			One:   "Это {school}. Извините, это наша ошибка: Ваш ребёнок сегодня в школе. До свидания.",
			Other: "Это {school}. Извините, это наша ошибка: Ваши дети сегодня в школе. До свидания.",
			Draft: true,
		},
		KindThanks: {
			One:   "Спасибо. Мы получили Ваш ответ. До свидания.",
			Other: "Спасибо. Мы получили Ваш ответ. До свидания.",
			Draft: true,
		},
	},
	"tr": {
		KindAbsent: {
			One: "Günaydın, {school} okulundan arıyoruz. Çocuğunuz bugün okulda değil. Onu özledik, umarız her şey yolundadır. " +
				"Çocuğunuz hastaysa 1 tuşuna basın. Sizi geri aramamızı isterseniz 2 tuşuna basın.",
			Other: "Günaydın, {school} okulundan arıyoruz. Çocuklarınız bugün okulda değil. Onları özledik, umarız her şey yolundadır. " +
				"Çocuklardan biri hastaysa 1 tuşuna basın. Sizi geri aramamızı isterseniz 2 tuşuna basın.",
			Draft: true,
		},
		KindLate: {
			One:   "Günaydın, {school} okulundan arıyoruz. Çocuğunuz bugün okula geç geldi. Bilginiz olsun. Hoşça kalın.",
			Other: "Günaydın, {school} okulundan arıyoruz. Çocuklarınız bugün okula geç geldiler. Bilginiz olsun. Hoşça kalın.",
			Draft: true,
		},
		KindApology: {
			One:   "{school} okulundan arıyoruz. Özür dileriz, bizim hatamız: çocuğunuz bugün okulda. Hoşça kalın.",
			Other: "{school} okulundan arıyoruz. Özür dileriz, bizim hatamız: çocuklarınız bugün okuldalar. Hoşça kalın.",
			Draft: true,
		},
		KindThanks: {
			One:   "Teşekkür ederiz. Cevabınızı aldık. Hoşça kalın.",
			Other: "Teşekkür ederiz. Cevabınızı aldık. Hoşça kalın.",
			Draft: true,
		},
	},
	"pl": {
		KindAbsent: {
			One: "Dzień dobry, tu {school}. Państwa dziecka nie ma dziś w szkole. Tęsknimy za nim i mamy nadzieję, że wszystko w porządku. " +
				"Jeśli dziecko jest chore, proszę nacisnąć 1. Jeśli chcą Państwo, żebyśmy oddzwonili, proszę nacisnąć 2.",
			Other: "Dzień dobry, tu {school}. Państwa dzieci nie ma dziś w szkole. Tęsknimy za nimi i mamy nadzieję, że wszystko w porządku. " +
				"Jeśli któreś z dzieci jest chore, proszę nacisnąć 1. Jeśli chcą Państwo, żebyśmy oddzwonili, proszę nacisnąć 2.",
			Draft: true,
		},
		KindLate: {
			One:   "Dzień dobry, tu {school}. Państwa dziecko spóźniło się dziś do szkoły. Tak tylko informujemy. Do widzenia.",
			Other: "Dzień dobry, tu {school}. Państwa dzieci spóźniły się dziś do szkoły. Tak tylko informujemy. Do widzenia.",
			Draft: true,
		},
		KindApology: {
			One:   "Tu {school}. Przepraszamy, to nasz błąd: Państwa dziecko jest dziś w szkole. Do widzenia.",
			Other: "Tu {school}. Przepraszamy, to nasz błąd: Państwa dzieci są dziś w szkole. Do widzenia.",
			Draft: true,
		},
		KindThanks: {
			One:   "Dziękujemy. Mamy Państwa odpowiedź. Do widzenia.",
			Other: "Dziękujemy. Mamy Państwa odpowiedź. Do widzenia.",
			Draft: true,
		},
	},
	"ro": {
		KindAbsent: {
			One: "Bună dimineața, vă sunăm de la {school}. Copilul dumneavoastră nu este azi la școală. Ne este dor de el și sperăm că totul e bine. " +
				"Dacă copilul este bolnav, apăsați 1. Dacă doriți să vă sunăm înapoi, apăsați 2.",
			Other: "Bună dimineața, vă sunăm de la {school}. Copiii dumneavoastră nu sunt azi la școală. Ne este dor de ei și sperăm că totul e bine. " +
				"Dacă unul dintre copii este bolnav, apăsați 1. Dacă doriți să vă sunăm înapoi, apăsați 2.",
			Draft: true,
		},
		KindLate: {
			One:   "Bună dimineața, vă sunăm de la {school}. Copilul dumneavoastră a întârziat azi la școală. Doar ca să știți. La revedere.",
			Other: "Bună dimineața, vă sunăm de la {school}. Copiii dumneavoastră au întârziat azi la școală. Doar ca să știți. La revedere.",
			Draft: true,
		},
		KindApology: {
			One:   "Vă sunăm de la {school}. Ne pare rău, a fost greșeala noastră: copilul dumneavoastră este azi la școală. La revedere.",
			Other: "Vă sunăm de la {school}. Ne pare rău, a fost greșeala noastră: copiii dumneavoastră sunt azi la școală. La revedere.",
			Draft: true,
		},
		KindThanks: {
			One:   "Mulțumim. Am primit răspunsul dumneavoastră. La revedere.",
			Other: "Mulțumim. Am primit răspunsul dumneavoastră. La revedere.",
			Draft: true,
		},
	},
	"bg": {
		KindAbsent: {
			One: "Добро утро, обаждаме се от {school}. Вашето дете днес не е на училище. Липсва ни и се надяваме, че всичко е наред. " +
				"Ако детето е болно, натиснете 1. Ако искате да Ви се обадим, натиснете 2.",
			Other: "Добро утро, обаждаме се от {school}. Вашите деца днес не са на училище. Липсват ни и се надяваме, че всичко е наред. " +
				"Ако някое от децата е болно, натиснете 1. Ако искате да Ви се обадим, натиснете 2.",
			Draft: true,
		},
		KindLate: {
			One:   "Добро утро, обаждаме се от {school}. Вашето дете днес закъсня за училище. Само за информация. Довиждане.",
			Other: "Добро утро, обаждаме се от {school}. Вашите деца днес закъсняха за училище. Само за информация. Довиждане.",
			Draft: true,
		},
		KindApology: {
			One:   "Обаждаме се от {school}. Извинете, грешката е наша: Вашето дете днес е на училище. Довиждане.",
			Other: "Обаждаме се от {school}. Извинете, грешката е наша: Вашите деца днес са на училище. Довиждане.",
			Draft: true,
		},
		KindThanks: {
			One:   "Благодарим Ви. Получихме отговора Ви. Довиждане.",
			Other: "Благодарим Ви. Получихме отговора Ви. Довиждане.",
			Draft: true,
		},
	},
	"es": {
		KindAbsent: {
			One: "Buenos días, le llamamos de {school}. Hoy su hijo o hija no está en la escuela. Le echamos de menos y esperamos que todo esté bien. " +
				"Si es por enfermedad, pulse 1. Si quiere que le llamemos, pulse 2.",
			Other: "Buenos días, le llamamos de {school}. Hoy sus hijos no están en la escuela. Los echamos de menos y esperamos que todo esté bien. " +
				"Si alguno está enfermo, pulse 1. Si quiere que le llamemos, pulse 2.",
			Draft: true,
		},
		KindLate: {
			One:   "Buenos días, le llamamos de {school}. Hoy su hijo o hija llegó tarde a la escuela. Solo para que lo sepa. Adiós.",
			Other: "Buenos días, le llamamos de {school}. Hoy sus hijos llegaron tarde a la escuela. Solo para que lo sepa. Adiós.",
			Draft: true,
		},
		KindApology: {
			One:   "Le llamamos de {school}. Perdón, fue un error nuestro: su hijo o hija sí está hoy en la escuela. Adiós.",
			Other: "Le llamamos de {school}. Perdón, fue un error nuestro: sus hijos sí están hoy en la escuela. Adiós.",
			Draft: true,
		},
		KindThanks: {
			One:   "Gracias. Ya tenemos su respuesta. Adiós.",
			Other: "Gracias. Ya tenemos su respuesta. Adiós.",
			Draft: true,
		},
	},
	"fr": {
		KindAbsent: {
			One: "Bonjour, ici {school}. Votre enfant n'est pas à l'école aujourd'hui. Votre enfant nous manque, et nous espérons que tout va bien. " +
				"Si votre enfant est malade, appuyez sur 1. Si vous souhaitez que l'on vous rappelle, appuyez sur 2.",
			Other: "Bonjour, ici {school}. Vos enfants ne sont pas à l'école aujourd'hui. Ils nous manquent, et nous espérons que tout va bien. " +
				"Si un enfant est malade, appuyez sur 1. Si vous souhaitez que l'on vous rappelle, appuyez sur 2.",
			Draft: true,
		},
		KindLate: {
			One:   "Bonjour, ici {school}. Votre enfant était en retard à l'école aujourd'hui. Juste pour information. Au revoir.",
			Other: "Bonjour, ici {school}. Vos enfants étaient en retard à l'école aujourd'hui. Juste pour information. Au revoir.",
			Draft: true,
		},
		KindApology: {
			One:   "Ici {school}. Pardon, c'est notre erreur : votre enfant est bien à l'école aujourd'hui. Au revoir.",
			Other: "Ici {school}. Pardon, c'est notre erreur : vos enfants sont bien à l'école aujourd'hui. Au revoir.",
			Draft: true,
		},
		KindThanks: {
			One:   "Merci. Nous avons bien reçu votre réponse. Au revoir.",
			Other: "Merci. Nous avons bien reçu votre réponse. Au revoir.",
			Draft: true,
		},
	},
	"pt": {
		KindAbsent: {
			One: "Bom dia, aqui é {school}. Hoje o seu filho ou a sua filha não está na escola. Temos saudades e esperamos que esteja tudo bem. " +
				"Em caso de doença, marque 1. Se quiser que lhe liguemos, marque 2.",
			Other: "Bom dia, aqui é {school}. Hoje os seus filhos não estão na escola. Temos saudades e esperamos que esteja tudo bem. " +
				"Em caso de doença, marque 1. Se quiser que lhe liguemos, marque 2.",
			Draft: true,
		},
		KindLate: {
			One:   "Bom dia, aqui é {school}. Hoje o seu filho ou a sua filha chegou tarde à escola. Só para informar. Até breve.",
			Other: "Bom dia, aqui é {school}. Hoje os seus filhos chegaram tarde à escola. Só para informar. Até breve.",
			Draft: true,
		},
		KindApology: {
			One:   "Aqui é {school}. Desculpe, foi um erro nosso: o seu filho ou a sua filha está hoje na escola. Até breve.",
			Other: "Aqui é {school}. Desculpe, foi um erro nosso: os seus filhos estão hoje na escola. Até breve.",
			Draft: true,
		},
		KindThanks: {
			One:   "Obrigado. Recebemos a sua resposta. Até breve.",
			Other: "Obrigado. Recebemos a sua resposta. Até breve.",
			Draft: true,
		},
	},
	"lt": {
		KindAbsent: {
			One: "Labas rytas, skambiname iš {school}. Jūsų vaiko šiandien nėra mokykloje. Mes jo pasiilgome ir tikimės, kad viskas gerai. " +
				"Jei vaikas serga, spauskite 1. Jei norite, kad Jums perskambintume, spauskite 2.",
			Other: "Labas rytas, skambiname iš {school}. Jūsų vaikų šiandien nėra mokykloje. Mes jų pasiilgome ir tikimės, kad viskas gerai. " +
				"Jei kuris nors vaikas serga, spauskite 1. Jei norite, kad Jums perskambintume, spauskite 2.",
			Draft: true,
		},
		KindLate: {
			One:   "Labas rytas, skambiname iš {school}. Jūsų vaikas šiandien pavėlavo į mokyklą. Tiesiog informuojame. Viso gero.",
			Other: "Labas rytas, skambiname iš {school}. Jūsų vaikai šiandien pavėlavo į mokyklą. Tiesiog informuojame. Viso gero.",
			Draft: true,
		},
		KindApology: {
			One:   "Skambiname iš {school}. Atsiprašome, tai mūsų klaida: Jūsų vaikas šiandien yra mokykloje. Viso gero.",
			Other: "Skambiname iš {school}. Atsiprašome, tai mūsų klaida: Jūsų vaikai šiandien yra mokykloje. Viso gero.",
			Draft: true,
		},
		KindThanks: {
			One:   "Ačiū. Gavome Jūsų atsakymą. Viso gero.",
			Other: "Ačiū. Gavome Jūsų atsakymą. Viso gero.",
			Draft: true,
		},
	},
	"id": {
		KindAbsent: {
			One: "Selamat pagi, kami dari {school}. Hari ini anak Bapak atau Ibu tidak ada di sekolah. Kami merindukannya, dan semoga semuanya baik-baik saja. " +
				"Jika anak sakit, tekan 1. Jika Bapak atau Ibu ingin kami menelepon kembali, tekan 2.",
			Other: "Selamat pagi, kami dari {school}. Hari ini anak-anak Bapak atau Ibu tidak ada di sekolah. Kami merindukan mereka, dan semoga semuanya baik-baik saja. " +
				"Jika ada anak yang sakit, tekan 1. Jika Bapak atau Ibu ingin kami menelepon kembali, tekan 2.",
			Draft: true,
		},
		KindLate: {
			One:   "Selamat pagi, kami dari {school}. Hari ini anak Bapak atau Ibu terlambat datang ke sekolah. Sekadar informasi. Sampai jumpa.",
			Other: "Selamat pagi, kami dari {school}. Hari ini anak-anak Bapak atau Ibu terlambat datang ke sekolah. Sekadar informasi. Sampai jumpa.",
			Draft: true,
		},
		KindApology: {
			One:   "Kami dari {school}. Mohon maaf, kami keliru: anak Bapak atau Ibu ada di sekolah hari ini. Sampai jumpa.",
			Other: "Kami dari {school}. Mohon maaf, kami keliru: anak-anak Bapak atau Ibu ada di sekolah hari ini. Sampai jumpa.",
			Draft: true,
		},
		KindThanks: {
			One:   "Terima kasih. Jawaban Bapak atau Ibu sudah kami terima. Sampai jumpa.",
			Other: "Terima kasih. Jawaban Bapak atau Ibu sudah kami terima. Sampai jumpa.",
			Draft: true,
		},
	},
}
